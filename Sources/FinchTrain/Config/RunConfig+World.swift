/// Loading the config once, on the coordinator, so every rank runs the same config even
/// when the file differs (or is missing) on other nodes.
extension RunConfig {
    public static func load(path: String, overrides: [String], world: TrainingWorld) throws -> RunConfig {
        guard world.size > 1 else { return try load(path: path, overrides: overrides) }
        var loaded: Result<RunConfig, Error>?
        if world.isCoordinator { loaded = Result { try load(path: path, overrides: overrides) } }
        let yaml = try? loaded?.get().yaml()
        let shared: String
        do {
            shared = try world.broadcast(yaml)
        } catch {
            if case .failure(let coordinatorError)? = loaded { throw coordinatorError }
            throw error
        }
        if let loaded { return try loaded.get() }
        return try parse(yaml: shared, file: "\(path) (as read by rank 0)")
    }
}
