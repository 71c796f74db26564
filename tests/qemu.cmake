# QEMU firmware tests: bare-metal smoke program for mps2-an500 (Cortex-M7) and mps3-an547
# (Cortex-M55) with the instruction-counting plugin, and a link that must overflow EXT_FLASH.
# Driver: tests/qemu/qemu_test.cmake (prints "SKIPPED: ..." without the ARM toolchain or QEMU).
if(NOT TINYOPS_QEMU_TESTS)
  return()
endif()
include(${CMAKE_SOURCE_DIR}/tools/qemu_insn_plugin/insn_count.cmake)

# The same smoke source built for the host: its output line must match the firmware's.
add_executable(qemu_smoke_host ${CMAKE_SOURCE_DIR}/tests/qemu/smoke.cpp)
target_include_directories(qemu_smoke_host PRIVATE ${CMAKE_SOURCE_DIR}/src/export/firmware_template)
target_compile_definitions(qemu_smoke_host PRIVATE TINYOPS_NO_MARKERS)

# CRC-32 of the smoke program's buffers, computed independently (Python zlib) when it was written.
set(QEMU_SMOKE_EXPECTED bd1770c3)
set(QEMU_TEST_DRIVER ${CMAKE_SOURCE_DIR}/tests/qemu/qemu_test.cmake)

# Fixture: builds the plugin and the host smoke binary even when only test targets were built.
add_test(NAME qemu_prepare
  COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target tinyops_insn_count qemu_smoke_host)
set_tests_properties(qemu_prepare PROPERTIES FIXTURES_SETUP qemu_tools)

foreach(cfg "m7;cortex-m7;mps2-an500" "m55;cortex-m55;mps3-an547")
  list(GET cfg 0 tag)
  list(GET cfg 1 cpu)
  list(GET cfg 2 board)
  add_test(NAME qemu_smoke_${tag}
    COMMAND ${CMAKE_COMMAND} -DMODE=smoke -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
      -DWORK_DIR=${CMAKE_BINARY_DIR}/qemu -DCPU=${cpu} -DBOARD=${board} -DMACHINE=${board}
      -DPLUGIN=$<TARGET_FILE:tinyops_insn_count> -DHOST_SMOKE=$<TARGET_FILE:qemu_smoke_host>
      -DEXPECTED=${QEMU_SMOKE_EXPECTED} -P ${QEMU_TEST_DRIVER})
  set_tests_properties(qemu_smoke_${tag} PROPERTIES FIXTURES_REQUIRED qemu_tools
    SKIP_REGULAR_EXPRESSION "SKIPPED: arm-none-eabi" TIMEOUT 600)
endforeach()

# 16 KiB table + 8 MiB extra in the 8 MiB EXT_FLASH of mps2-an500: must fail to link.
add_test(NAME qemu_link_overflow
  COMMAND ${CMAKE_COMMAND} -DMODE=overflow -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
    -DWORK_DIR=${CMAKE_BINARY_DIR}/qemu -DCPU=cortex-m7 -DBOARD=mps2-an500 -DOVERSIZE_BYTES=8388608
    -P ${QEMU_TEST_DRIVER})
set_tests_properties(qemu_link_overflow PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED: arm-none-eabi" TIMEOUT 600)
