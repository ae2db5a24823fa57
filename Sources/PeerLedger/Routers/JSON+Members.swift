extension JSON {
    /// The members of an object in order, or nil (router output is read member by member).
    var objectMembers: [(String, JSON)]? {
        if case let .object(members) = self { return members }
        return nil
    }
}
