// Where the images lesson explains what each lab checks; failure messages print these. One place to
// update when the lesson's steps move.
#pragma once

namespace lab::images {

inline constexpr const char* kLayer = "lessons/images step 1 (a layer is a tar of a directory)";
inline constexpr const char* kOverlay = "lessons/images step 3 (the image: an overlay of its layers)";
inline constexpr const char* kStore =
    "lessons/images step 4 (the OCI layout: images, tags and digests as names)";
inline constexpr const char* kUnpack =
    "lessons/images step 1, \"A tar can lie\" (no entry may land outside the layer)";
inline constexpr const char* kArchive =
    "lessons/images step 6 (save and load: an image as one tar, checked by digest on the way in)";
inline constexpr const char* kGc =
    "lessons/images step 6 (garbage: what no reference and no container reaches is removed)";
inline constexpr const char* kConfig = "lessons/images step 5 (the config: Env, Cmd, Entrypoint, WorkingDir)";

}  // namespace lab::images
