import PropertyBased
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// The projections' fast time conversion gives what parsing and formatting gave.
struct RecordedTimeTests {
    @Test func fastAPITextEqualsParsingAndFormatting() {
        var random = PropertyRun.seeded()
        print("RecordedTimeTests: random times from seed \(random.currentSeed) (\(PropertyRun.seedVariable) repeats them)")
        var texts = [
            "2024-02-29T23:59:59.999Z", "2023-02-29T10:00:00.000Z", "2026-04-31T00:00:00.000Z", "2026-11-20T09:00:60.000Z",
            "2026-13-01T00:00:00.000Z", "2026-00-10T00:00:00.000Z", "1900-02-29T00:00:00.000Z", "2000-02-29T00:00:00.000Z",
            "2026-11-20 09:00:00", "2026-11-20T09:00:00Z", " 2026-11-20T09:00:00.000Z", "garbage", "", "0000-01-01T00:00:00.000Z",
            "2026-11-20T24:00:00.000Z", "2026-11-20T09:0a:00.000Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
        ]
        for _ in 0..<5000 {
            texts.append(Timestamp(millis: Int64.random(in: -10_000_000_000_000...100_000_000_000_000, using: &random)).iso8601)
        }
        for text in texts {
            #expect(RecordedTime.apiText(text) == (Timestamp(parsing: text)?.apiText ?? text), "\(text)")
        }
        #expect(RecordedTime.canonicalAPIText("2026-11-20T09:00:00.000Z") == "2026-11-20 09:00:00")
    }
}
