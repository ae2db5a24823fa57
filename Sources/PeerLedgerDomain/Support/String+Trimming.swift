extension String {
    /// The text without leading and trailing spaces (only U+0020: tabs and line breaks are refused
    /// elsewhere, never silently trimmed).
    public var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars = scalars.dropFirst() }
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
