import FinchTrain

/// What a command needs of a trainer: run to the end of `train.steps`, or stop after a step
/// with a checkpoint. Each trainer's own `run(stopAfter:)` also returns its final metrics.
public protocol StoppableTrainer {
    func train(stopAfter: Int?) throws
}

extension SFTTrainer: StoppableTrainer {
    public func train(stopAfter: Int?) throws { try run(stopAfter: stopAfter) }
}

extension DPOTrainer: StoppableTrainer {
    public func train(stopAfter: Int?) throws { try run(stopAfter: stopAfter) }
}
