// swift-tools-version:6.0
// Finch: distributed post-training for language models, in Swift over MPI.
// Layers, top to bottom (each imports only those above it):
//   COpenBLAS, CFinchAVX512, CMPI → FinchKernels → FinchModel → FinchData → FinchExpressions → FinchTasks → FinchDistributed
//     → FinchTrain (config, checkpoints, the run harness) → FinchEval → FinchAlgorithms (SFT/, DPO/, RewardModel/, RL/)
//     → FinchBench, FinchReport (finch report), FinchLabelling (the labelling page's server) → finch
import PackageDescription

/// The numeric targets are optimised in every configuration: unoptimised Swift loops are
/// ~50× slower, which would make the training tests in `swift test` (a debug build) crawl.
/// On x86-64 they target Haswell-class CPUs (AVX2 + FMA, 2013 onwards, every Zen): without
/// it Swift's 8-lane SIMD compiles to pairs of SSE instructions.
#if arch(x86_64)
let cpuFlags = ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif
/// `FINCH_FUZZ=1` (set by `launch/fuzz`) adds the libFuzzer executable `finch-fuzz`, which
/// links only under `--sanitize=fuzzer`, and builds the kernels with overflow checks (`-O`):
/// an overflow that `-Ounchecked` would let through silently is then a crash the fuzzer reports.
let fuzzing = Context.environment["FINCH_FUZZ"] != nil
let optimize: [SwiftSetting] = [.unsafeFlags([fuzzing ? "-O" : "-Ounchecked"] + cpuFlags)]

let package = Package(
    name: "Finch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "finch", targets: ["finch"]),
        .library(name: "FinchAlgorithms", targets: ["FinchAlgorithms"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // The 16-lane kernels for AVX-512 CPUs, chosen at run time (KernelISA); optimised in every
        // configuration, like the Swift kernels.
        .target(name: "CFinchAVX512", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "FinchKernels", dependencies: ["COpenBLAS", "CFinchAVX512"], swiftSettings: optimize),
        .target(name: "FinchModel", dependencies: ["FinchKernels"], swiftSettings: optimize),
        .target(name: "FinchData", dependencies: ["FinchKernels", "FinchModel"], swiftSettings: optimize),
        .target(name: "FinchExpressions", dependencies: ["FinchKernels"], swiftSettings: optimize),
        .target(name: "FinchTasks", dependencies: ["FinchData", "FinchExpressions"], swiftSettings: optimize),
        .target(name: "FinchDistributed", dependencies: ["CMPI", "FinchKernels"], swiftSettings: optimize),
        .target(name: "FinchTrain",
                dependencies: ["FinchKernels", "FinchModel", "FinchData", "FinchDistributed", "Yams"],
                swiftSettings: optimize),
        .target(name: "FinchEval", dependencies: ["FinchTrain", "FinchTasks"], swiftSettings: optimize),
        .target(name: "FinchAlgorithms", dependencies: ["FinchEval"], swiftSettings: optimize),
        .target(name: "FinchBench", dependencies: ["FinchAlgorithms"], swiftSettings: optimize),
        // `finch report`: runs' metrics drawn as one self-contained HTML page.
        .target(name: "FinchReport", dependencies: ["FinchEval"]),
        // The labelling page: a local HTTP server (FlyingFox) over candidate sets and a labels file.
        .target(name: "FinchLabelling", dependencies: ["FinchEval", .product(name: "FlyingFox", package: "FlyingFox")]),
        .executableTarget(name: "finch",
                          dependencies: ["FinchBench", "FinchAlgorithms", "FinchEval", "FinchLabelling", "FinchReport",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimize),
        // Test-only support: runs XCTest methods as the ranks of an mpirun job.
        .target(name: "FinchTestSupport", dependencies: ["FinchDistributed", "FinchModel", "FinchTasks"], path: "Tests/FinchTestSupport"),
        .testTarget(name: "FinchKernelsTests", dependencies: ["FinchKernels"]),
        .testTarget(name: "FinchModelTests", dependencies: ["FinchModel", "FinchTestSupport"]),
        .testTarget(name: "FinchDataTests", dependencies: ["FinchData", "FinchTestSupport"]),
        .testTarget(name: "FinchExpressionsTests", dependencies: ["FinchExpressions"]),
        .testTarget(name: "FinchTasksTests", dependencies: ["FinchTasks", "FinchTestSupport"]),
        .testTarget(name: "FinchDistributedTests", dependencies: ["FinchDistributed", "FinchTestSupport"]),
        .testTarget(name: "FinchTrainTests", dependencies: ["FinchAlgorithms", "FinchTestSupport"]),
        .testTarget(name: "FinchEvalTests", dependencies: ["FinchEval", "FinchTestSupport"]),
        .testTarget(name: "FinchAlgorithmsTests", dependencies: ["FinchAlgorithms", "FinchTestSupport"]),
        .testTarget(name: "FinchLabellingTests", dependencies: ["FinchLabelling", "FinchTestSupport"]),
        .testTarget(name: "FinchReportTests", dependencies: ["FinchReport", "FinchAlgorithms", "FinchTestSupport"]),
    ],
    // Swift 5 mode: the kernels hand raw buffer pointers to parallel loops, which the
    // Swift 6 checker cannot prove race-free; the kernels' own tests do that instead.
    swiftLanguageModes: [.v5]
)

if fuzzing {
    package.targets.append(.executableTarget(name: "finch-fuzz", dependencies: ["FinchAlgorithms"], path: "Tests/FinchFuzz",
                                             exclude: ["Corpus"], swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
