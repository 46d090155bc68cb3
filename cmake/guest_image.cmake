# Guest code assembled with nasm and compiled into a program as a byte array.
#
#   lintas_embed_guest(OUT_C SOURCE SYMBOL)
#
# assembles SOURCE (a flat binary; %include looks next to SOURCE) and sets
# OUT_C to a generated C source defining `const uint8_t SYMBOL_image[]` and
# `const size_t SYMBOL_size`.
find_program(NASM nasm REQUIRED)

function(lintas_embed_guest out_c source symbol)
  get_filename_component(dir ${source} DIRECTORY)
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/${symbol}.bin)
  set(c ${CMAKE_CURRENT_BINARY_DIR}/${symbol}.c)
  file(GLOB includes CONFIGURE_DEPENDS ${dir}/*.inc)
  add_custom_command(
    OUTPUT ${bin}
    COMMAND ${NASM} -f bin -I ${dir}/ -o ${bin} ${source}
    DEPENDS ${source} ${includes}
    COMMENT "Assembling ${symbol}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${c}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${bin} -DOUTPUT=${c} -DSYMBOL=${symbol}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${bin} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
  set(${out_c} ${c} PARENT_SCOPE)
endfunction()
