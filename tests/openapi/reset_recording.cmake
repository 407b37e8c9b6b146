# cmake -DDIR=... -P reset_recording.cmake: empties the directory the integration tests
# record their exchanges in (the api_exchanges fixture's setup).
if(NOT DIR)
  message(FATAL_ERROR "DIR is not set")
endif()
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
