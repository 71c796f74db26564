# Bounded fuzz run of the board loader (only with -DTINYOPS_FUZZ=ON, which needs clang).
# Seeds: the shipped boards/*.json; new inputs go to a corpus dir in the build tree.
if(TINYOPS_FUZZ)
  set(FUZZ_BOARD_CORPUS ${CMAKE_BINARY_DIR}/fuzz_board_corpus)
  file(MAKE_DIRECTORY ${FUZZ_BOARD_CORPUS})
  add_test(NAME fuzz_board_bounded
    COMMAND $<TARGET_FILE:fuzz_board> -runs=20000 -seed=1 -max_len=16384 -timeout=10
      -dict=${CMAKE_SOURCE_DIR}/tests/board/fuzz_board.dict
      ${FUZZ_BOARD_CORPUS} ${CMAKE_SOURCE_DIR}/boards
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz_board_bounded PROPERTIES TIMEOUT 600)
endif()
