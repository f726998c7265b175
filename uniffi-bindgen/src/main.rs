//! The UniFFI binding generator, pinned to the same `uniffi` version as `corridor-ffi`.
//! Run only through `scripts/build-bindings.sh`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
