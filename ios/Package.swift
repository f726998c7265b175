// swift-tools-version:5.9
// CorridorKit for Xcode: the generated Swift bindings (CorridorFFI) over the core's static
// library in an XCFramework, the thin Swift layer (CorridorKit) and the app's view models
// (CorridorAppModel). `scripts/make-xcframework.sh` (on a Mac) builds the XCFramework and copies
// the generated Swift into Generated/; neither is committed. On Linux, scripts/test-ios.sh
// compiles the same sources with swiftc instead (SwiftPM cannot link an XCFramework there).
import PackageDescription

let package = Package(
    name: "CorridorKit",
    platforms: [.iOS(.v17)],
    products: [
        .library(name: "CorridorKit", targets: ["CorridorKit"]),
        .library(name: "CorridorAppModel", targets: ["CorridorAppModel"]),
    ],
    targets: [
        // The core: libcorridor_ffi.a for each Apple target, with the CorridorFFIRaw C module
        // (CorridorFFIRaw.h and its module map) in each slice's Headers.
        .binaryTarget(name: "CorridorFFIRaw", path: "Frameworks/CorridorFFIRaw.xcframework"),
        // The generated Swift bindings (uniffi-bindgen, module CorridorFFI).
        .target(name: "CorridorFFI", dependencies: ["CorridorFFIRaw"], path: "Generated"),
        .target(name: "CorridorKit", dependencies: ["CorridorFFI"], path: "Sources/CorridorKit"),
        .target(name: "CorridorAppModel", dependencies: ["CorridorKit", "CorridorFFI"], path: "Sources/CorridorAppModel"),
    ]
)
