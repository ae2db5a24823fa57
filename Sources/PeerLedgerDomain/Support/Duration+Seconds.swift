extension Duration {
    /// The duration in seconds, for reports (rebuild phases, world generation).
    public var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
