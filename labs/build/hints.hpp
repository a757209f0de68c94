// Where the build lesson explains what each lab checks; failure messages print these.
#pragma once

namespace lab::build {

inline constexpr const char* kLayer = "lessons/build step 1 (a layer by hand: the upper dir as a tar)";
inline constexpr const char* kRun = "lessons/build step 2 (one RUN: a container whose upper dir becomes a layer)";
inline constexpr const char* kCache = "lessons/build step 3 (the cache key: parent, instruction, args, files)";
inline constexpr const char* kStages = "lessons/build step 4 (multi-stage builds and --target)";
inline constexpr const char* kWorkdir = "lessons/build step 5 (why RUN cd does not persist, and WORKDIR does)";
inline constexpr const char* kContext =
    "lessons/build step 4, \"The context is a boundary\" (sources resolved beneath the context)";

}  // namespace lab::build
