import XCTest
@testable import FinchKernels
