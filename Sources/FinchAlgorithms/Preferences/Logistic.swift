import Foundation

/// log(1 + eˣ) without overflow: −log σ(−x), the Bradley–Terry and DPO loss of a margin.
func softplus(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }

/// σ(x) = 1 / (1 + e⁻ˣ), stable for either sign of x.
func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
