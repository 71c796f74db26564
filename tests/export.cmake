# QEMU proof of `tinyops export` (docs/export.md): every case exports for qemu-mps2-an500, builds the
# project with arm-none-eabi-gcc and runs it under qemu-system-arm -M mps2-an500 with the instruction-
# counting plugin; the printed output bytes must equal the host interpreter's (builder model) or the
# TFLM reference (shared models). Cases print "SKIPPED: ..." without the toolchain, QEMU or ../shared.
if(NOT TINYOPS_QEMU_TESTS)
  return()
endif()
# The plugin target tinyops_insn_count comes from tests/qemu.cmake (included after this file).

add_executable(export_qemu_check ${CMAKE_SOURCE_DIR}/tests/export/qemu_export_check.cpp)
target_include_directories(export_qemu_check PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(export_qemu_check PRIVATE tinyops_core)
target_compile_definitions(export_qemu_check PRIVATE TINYOPS_SHARED_DIR="${TINYOPS_SHARED_DIR}")

# Fixture: the runner and the plugin exist even when only the test targets were built.
add_test(NAME export_qemu_prepare
  COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target export_qemu_check tinyops_insn_count)
set_tests_properties(export_qemu_prepare PROPERTIES FIXTURES_SETUP export_qemu_tools)

set(EXPORT_QEMU_CASES builder-tinyops builder-external overflow kernels-m7 kernels-m55
  shared-person_detect shared-vww shared-resnet shared-kws shared-mcunet shared-mobilenet_v2)
foreach(c ${EXPORT_QEMU_CASES})
  add_test(NAME export_qemu_${c}
    COMMAND export_qemu_check ${c} ${CMAKE_BINARY_DIR}/export_qemu $<TARGET_FILE:tinyops_insn_count>)
  set_tests_properties(export_qemu_${c} PROPERTIES FIXTURES_REQUIRED export_qemu_tools
    SKIP_REGULAR_EXPRESSION "SKIPPED: " FAIL_REGULAR_EXPRESSION "FAIL: " TIMEOUT 900
    ENVIRONMENT "TINYOPS_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
