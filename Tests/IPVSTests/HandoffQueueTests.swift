import Synchronization
import Testing

@testable import IPVS

#if canImport(Glibc)
import Glibc
#endif

@Suite("HandoffQueue")
struct HandoffQueueTests {
    /// A maker far ahead of a slow user (and then a user far ahead of a slow maker): the
    /// queue never holds more than its capacity, and everything arrives once, in order.
    @Test(arguments: [(0, 200), (200, 0)])
    func everyBatchArrivesInOrder(makerPause: UInt32, userPause: UInt32) throws {
        let queue = try #require(HandoffQueue<Int>(capacity: 2))
        let thread = try #require(ThreadHandle.start {
            for batch in 0..<300 {
                if makerPause > 0 { usleep(makerPause) }
                queue.put([batch * 2, batch * 2 + 1])
            }
            queue.finish()
        })
        var received: [Int] = []
        var largestTake = 0
        while let batches = queue.take() {
            largestTake = max(largestTake, batches.count)
            received += batches.joined()
            if userPause > 0 { usleep(userPause) }
        }
        thread.join()
        #expect(received == Array(0..<600))
        #expect(largestTake <= 2)
        #expect(queue.take() == nil)
    }

    /// A maker waiting for room is let go when the user stops, and learns it.
    @Test func stoppingReleasesAWaitingMaker() throws {
        let queue = try #require(HandoffQueue<Int>(capacity: 1))
        let refused = Mutex(0)
        let thread = try #require(ThreadHandle.start {
            for batch in 0..<10 where !queue.put([batch]) { refused.withLock { $0 += 1 } }
            queue.finish()
        })
        #expect(queue.take() != nil)
        queue.stop()
        thread.join()
        #expect(queue.isStopped)
        #expect(refused.withLock { $0 } >= 1)
    }
}
