# "A registry of your own" (the last section of README.md): every step of `pocker registry serve`
# that runs, in one script with stores of its own. Included by this
# folder's CMakeLists.txt.
pocker_lesson_test(registry.serve
  NEEDS_ROOT
  EXPECT "^listening on 127\\.0\\.0\\.1:[0-9]+$" "^[{][}]$"
         [=["POST /v2/lesson/tiny/blobs/uploads/" 202$]=]
         [=["PATCH /v2/lesson/tiny/blobs/uploads/<id>" 202$]=]
         [=["PUT /v2/lesson/tiny/blobs/uploads/<id>\?digest=sha256(:|%3A)[0-9a-f]{12}" 201$]=]
         [=["PUT /v2/lesson/tiny/manifests/1" 201$]=]
         "^oci$" "^repositories$" "^tmp$"
         "^\\./lesson/tiny/_tags/1$" "^\\./lesson/tiny/_blobs/[0-9a-f]{12}$" "^\\./lesson/tiny/_manifests/[0-9a-f]{12}$"
         "^manifest digest checks: sha256:[0-9a-f]{12}$" "^layer digest checks$" "^hello from a registry$"
         "^PATCH 0-5: 202$" "^PATCH 9-13: 416$" "^PATCH 6-10: 202$" "^PUT [?]digest=: 201$"
         [=[^{"name":"lesson/tiny","tags":\["1","2","3","latest"\]}$]=]
         [=[^{"name":"lesson/tiny","tags":\["1","2"\]}$]=]
         "^Link: </v2/lesson/tiny/tags/list[?]n=2&last=2>"
         "^exit status 0$" "^registry stopped$"
  REJECT "^pocker:"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/pocker-registry-serve.sh $<TARGET_FILE:pocker> ${CMAKE_BINARY_DIR}/lessons/registry-serve-work)
