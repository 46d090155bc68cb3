# Run lintas once and check how it ended. Arguments (all -D):
#   LINTAS        the program
#   ARGS          its arguments, separated by '|'
#   STATUS        the exit status it must end with
#   ERROR         a regex stderr must match; stderr must then be one line
#   STDERR_EMPTY  1: stderr must be empty
#   STDOUT        a regex stdout must match
#   STDOUT_EMPTY  1: stdout must be empty
#   STDIN         a file for stdin (default: empty input)
#   FILE, FILE_MATCH   a file lintas must have written, and a regex for it
cmake_minimum_required(VERSION 3.20)

string(REPLACE "|" ";" args "${ARGS}")
if(NOT DEFINED STDIN)
  set(STDIN /dev/null)
endif()
if(DEFINED FILE)
  file(REMOVE "${FILE}")
endif()

execute_process(COMMAND "${LINTAS}" ${args}
  INPUT_FILE "${STDIN}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE status
  TIMEOUT 60)

set(failed "")
if(NOT "${status}" STREQUAL "${STATUS}")
  string(APPEND failed "exit status is '${status}', expected ${STATUS}\n")
endif()
if(DEFINED ERROR)
  if(NOT err MATCHES "${ERROR}")
    string(APPEND failed "stderr does not match '${ERROR}'\n")
  endif()
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1 OR NOT err MATCHES "\n$")
    string(APPEND failed "stderr is not exactly one line\n")
  endif()
endif()
if(STDERR_EMPTY AND NOT err STREQUAL "")
  string(APPEND failed "stderr is not empty\n")
endif()
if(DEFINED STDOUT AND NOT out MATCHES "${STDOUT}")
  string(APPEND failed "stdout does not match '${STDOUT}'\n")
endif()
if(STDOUT_EMPTY AND NOT out STREQUAL "")
  string(APPEND failed "stdout is not empty\n")
endif()
if(DEFINED FILE)
  if(NOT EXISTS "${FILE}")
    string(APPEND failed "${FILE} was not written\n")
  else()
    file(READ "${FILE}" content)
    if(NOT content MATCHES "${FILE_MATCH}")
      string(APPEND failed "${FILE} does not match '${FILE_MATCH}'\n")
    endif()
  endif()
endif()

if(failed)
  string(REPLACE ";" "|" args_text "${args}")
  message(FATAL_ERROR "lintas ${args_text}\n${failed}--- stdout ---\n${out}--- stderr ---\n${err}")
endif()
