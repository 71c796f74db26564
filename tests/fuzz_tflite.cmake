# Bounded fuzz run of the importer on a corpus of real and mutated models (only in fuzz builds).
if(TINYOPS_FUZZ AND TARGET fuzz_tflite)
  add_test(NAME fuzz_tflite_bounded
    COMMAND ${CMAKE_SOURCE_DIR}/tests/run_fuzz.sh $<TARGET_FILE:fuzz_tflite> ${CMAKE_BINARY_DIR}/fuzz_corpus_tflite
            ${TINYOPS_SHARED_DIR} 3000)
endif()
