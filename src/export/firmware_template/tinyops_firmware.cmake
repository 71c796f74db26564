# Helper for firmware projects configured with arm-none-eabi.cmake.
# tinyops_add_firmware(<target> SOURCES <files...>) builds <target>.elf from the sources plus
# startup.c and tinyops_marker.c, linked with tinyops_firmware.ld.in filled from the variables
# FLASH_ORIGIN FLASH_LENGTH SRAM_ORIGIN SRAM_LENGTH EXT_FLASH_ORIGIN EXT_FLASH_LENGTH
# EXT_RAM_ORIGIN EXT_RAM_LENGTH STACK_SIZE HEAP_SIZE (see docs/qemu.md).
set(TINYOPS_FIRMWARE_TEMPLATE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(tinyops_add_firmware target)
  cmake_parse_arguments(FW "" "" "SOURCES" ${ARGN})
  foreach(var FLASH_ORIGIN FLASH_LENGTH SRAM_ORIGIN SRAM_LENGTH EXT_FLASH_ORIGIN EXT_FLASH_LENGTH
              EXT_RAM_ORIGIN EXT_RAM_LENGTH STACK_SIZE HEAP_SIZE)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "tinyops_add_firmware(${target}): ${var} is not set")
    endif()
  endforeach()
  set(ld ${CMAKE_CURRENT_BINARY_DIR}/${target}.ld)
  configure_file(${TINYOPS_FIRMWARE_TEMPLATE_DIR}/tinyops_firmware.ld.in ${ld} @ONLY)
  add_executable(${target} ${FW_SOURCES}
    ${TINYOPS_FIRMWARE_TEMPLATE_DIR}/startup.c ${TINYOPS_FIRMWARE_TEMPLATE_DIR}/tinyops_marker.c)
  set_target_properties(${target} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${ld})
  target_include_directories(${target} PRIVATE ${TINYOPS_FIRMWARE_TEMPLATE_DIR})
  target_link_options(${target} PRIVATE -T${ld} -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${target}.map)
endfunction()
