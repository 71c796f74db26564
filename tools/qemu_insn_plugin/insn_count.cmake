# Builds the QEMU instruction-counting plugin (a host shared library, no QEMU/glib headers needed).
# include()d from tests/qemu.cmake; standalone: make -C tools/qemu_insn_plugin
add_library(tinyops_insn_count MODULE ${CMAKE_CURRENT_LIST_DIR}/insn_count.c)
set_target_properties(tinyops_insn_count PROPERTIES
  C_STANDARD 11 C_VISIBILITY_PRESET hidden POSITION_INDEPENDENT_CODE ON
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools
  # QEMU loads it with dlopen: no sanitizer flags from TINYOPS_SANITIZE.
  COMPILE_OPTIONS "-O2;-Wall;-Wextra;-Wshadow;-Wno-unused-parameter" LINK_OPTIONS "")
