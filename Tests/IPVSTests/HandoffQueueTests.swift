import Synchronization
import Testing

@testable import IPVS

#if canImport(Glibc)
import Glibc
#endif

@Suite("HandoffQueue", .timeLimit(.minutes(1)))
struct HandoffQueueTests {
    /// A maker far ahead of a slow user (and then a user far ahead of a slow maker): the
    /// queue never holds more than its capacity, and everything arrives once, in order.
    @Test(arguments: [(0, 200), (200, 0)])
    func everyBatchArrivesInOrder(makerPause: UInt32, userPause: UInt32) throws {
        let queue = HandoffReceiver<Int>(capacity: 2)
        let sender = queue.sender
        guard let thread = ThreadHandle.start({
            for batch in 0..<300 {
                if makerPause > 0 { usleep(makerPause) }
                sender.put([batch * 2, batch * 2 + 1])
            }
            sender.finish()
        }) else { Issue.record("no thread"); return }
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
        let queue = HandoffReceiver<Int>(capacity: 1)
        let sender = queue.sender
        let refused = Mutex(0)
        guard let thread = ThreadHandle.start({
            for batch in 0..<10 where !sender.put([batch]) { refused.withLock { $0 += 1 } }
            sender.finish()
        }) else { Issue.record("no thread"); return }
        #expect(queue.take() != nil)
        queue.stop()
        thread.join()
        #expect(sender.isStopped)
        #expect(refused.withLock { $0 } >= 1)
    }

    /// A user that goes away without a word stops the queue: a maker waiting for room
    /// is let go, so the thread can be joined.
    @Test func droppingTheUserReleasesAWaitingMaker() throws {
        var sender: HandoffSender<Int>?
        let delivered = Mutex(0)
        let thread: ThreadHandle
        do {
            let queue = HandoffReceiver<Int>(capacity: 1)
            let maker = queue.sender
            sender = maker
            guard let started = ThreadHandle.start({
                for batch in 0..<1_000 where maker.put([batch]) { delivered.withLock { $0 += 1 } }
            }) else { Issue.record("no thread"); return }
            thread = started
            #expect(queue.take() != nil)
        }
        thread.join()
        #expect(sender?.isStopped == true)
        #expect(delivered.withLock { $0 } < 1_000)
    }

    /// A read of a pipe nobody writes to ends when it is cancelled.
    @Test func cancellingEndsABlockedRead() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let cancellation = try #require(ReadCancellation())
        let descriptor = ends[0]
        let ended = Mutex(false)
        guard let thread = ThreadHandle.start({
            LineBlocks.read(descriptor, cancellation: cancellation) { _, _ in }
            ended.withLock { $0 = true }
        }) else { Issue.record("no thread"); return }
        usleep(20_000)
        #expect(!ended.withLock { $0 })
        cancellation.cancel()
        thread.join()
        #expect(ended.withLock { $0 })
    }
}
