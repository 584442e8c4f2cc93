import Foundation
import Testing

/// Scripts/ipvsadm-save with a FILE never leaves a partial rules file in its place.
/// No kernel needed: IPVSADM names a stand-in that writes and exits as told.
@Suite(.serialized)
struct SaveScriptTests {
    let script = FileManager.default.currentDirectoryPath + "/Scripts/ipvsadm-save"

    /// Runs ipvsadm-save in a fresh directory holding `rules` (mode 0644) with a stand-in
    /// ipvsadm that prints `output` and exits with `status`; the script's status, what
    /// the rules file then holds, and the directory's files.
    private func save(_ arguments: [String], output: String, status: Int32, rules: String? = "good\n") throws
        -> (status: Int32, stdout: String, rules: String?, files: [String], mode: Int?)
    {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("save-script-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let standIn = directory + "/ipvsadm"
        try "#!/bin/sh\n[ \"$1\" = -S ] || exit 99\nprintf '%s' '\(output)'\nexit \(status)\n"
            .write(toFile: standIn, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn)
        let rulesPath = directory + "/ipvsadm.rules"
        if let rules {
            try rules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: rulesPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments.map { $0 == "FILE" ? rulesPath : $0 }
        process.environment = ["IPVSADM": standIn, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let written = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let mode = (try? FileManager.default.attributesOfItem(atPath: rulesPath))?[.posixPermissions] as? Int
        return (process.terminationStatus, String(decoding: written, as: UTF8.self),
                try? String(contentsOfFile: rulesPath, encoding: .utf8), files, mode)
    }

    @Test func aFailedSaveLeavesTheRulesFileAsItWas() throws {
        let result = try save(["-n", "FILE"], output: "-A -t 10.0.0.1:80 -s rr\n-A -t 10", status: 1)
        #expect(result.status != 0)
        #expect(result.rules == "good\n")
        #expect(result.files == ["ipvsadm", "ipvsadm.rules"])  // no temporary file left
    }

    @Test func aSuccessfulSaveReplacesItWhole() throws {
        let result = try save(["-n", "FILE"], output: "-A -t 10.0.0.1:80 -s rr\n", status: 0)
        #expect(result.status == 0)
        #expect(result.rules == "-A -t 10.0.0.1:80 -s rr\n")
        #expect(result.files == ["ipvsadm", "ipvsadm.rules"])
        #expect(result.mode == 0o644)
        let fresh = try save(["FILE"], output: "-A -t 10.0.0.2:80 -s rr\n", status: 0, rules: nil)
        #expect(fresh.status == 0 && fresh.rules == "-A -t 10.0.0.2:80 -s rr\n")
    }

    @Test func withoutAFileTheRulesGoToStandardOutput() throws {
        let result = try save(["-n"], output: "-A -t 10.0.0.1:80 -s rr\n", status: 0)
        #expect(result.status == 0 && result.stdout == "-A -t 10.0.0.1:80 -s rr\n" && result.rules == "good\n")
        #expect(try save(["-n"], output: "", status: 255).status == 255)
        #expect(try save(["-x"], output: "", status: 0).status == 1)
        #expect(try save(["a", "b"], output: "", status: 0).status == 1)
    }
}
