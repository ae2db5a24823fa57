import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

/// Reading what `vtysh -c write` printed and comparing the saved files with what FRR runs.
@Suite("FRR's save, checked")
struct FRRSaveTests {
    /// What vtysh 8.4 prints for `write` without vtysh.conf, when bgpd cannot write beside its file.
    static let unsaved = """
        Note: this version of vtysh never writes vtysh.conf
        Building Configuration...
        Can't open configuration file /dev/null.WoYxs5.
        Can't open configuration file /tmp/lab/frr.conf.YRBlh3.
        % Can't open configuration file /tmp/lab/frr-etc/vtysh.conf due to 'No such file or directory'.
        """

    static let running = """
        Building configuration...

        Current configuration:
        !
        frr version 8.4.4
        frr defaults traditional
        service integrated-vtysh-config
        !
        router bgp 65001
         bgp router-id 10.0.0.1
         no bgp ebgp-requires-policy
         neighbor 10.0.0.2 remote-as 65002
         neighbor 10.0.0.2 password s3cr3tpw
        exit
        !
        end
        """

    @Test("The files write names are the saved ones: the integrated file, or each daemon's own")
    func savedFiles() {
        #expect(FRRSave.savedFiles(Self.unsaved) == [])
        #expect(FRRSave.savedFiles("Building Configuration...\nIntegrated configuration saved to /etc/frr/frr.conf\n[OK]\n") == ["/etc/frr/frr.conf"])
        #expect(
            FRRSave.savedFiles("Can't open configuration file /dev/null.xrLQoZ.\nConfiguration saved to /etc/frr/bgpd.conf\n")
                == ["/etc/frr/bgpd.conf"])
    }

    @Test("FRR's reason is what write printed besides its progress lines")
    func remarks() {
        #expect(FRRSave.remarks(Self.unsaved) == [
            "Can't open configuration file /dev/null.WoYxs5.", "Can't open configuration file /tmp/lab/frr.conf.YRBlh3.",
            "% Can't open configuration file /tmp/lab/frr-etc/vtysh.conf due to 'No such file or directory'.",
        ])
    }

    @Test("A saved file holding the running router bgp block is no difference, however it is framed")
    func sameBlock() {
        let saved = """
            !
            ! Zebra configuration saved from vty
            !   2026/12/04 21:07:03
            !
            frr version 8.4.4
            frr defaults traditional
            !
            router bgp 65001
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             neighbor 10.0.0.2 remote-as 65002
             neighbor 10.0.0.2 password s3cr3tpw
            !
            exit
            !
            """
        #expect(FRRSave.differences(running: Self.running, saved: [saved]) == [])
    }

    @Test("A saved file without the pushed neighbor differs, and the difference never shows the password")
    func staleFile() {
        let stale = "router bgp 65001\n bgp router-id 10.0.0.1\n no bgp ebgp-requires-policy\nexit\n"
        #expect(FRRSave.differences(running: Self.running, saved: [stale]) == [
            "running only: neighbor 10.0.0.2 remote-as 65002", "running only: neighbor 10.0.0.2 password <redacted>",
        ])
        #expect(FRRSave.differences(running: Self.running, saved: []).count == 4)
    }

    @Test("The reason names FRR's words and what the configuration folder needs")
    func reason() {
        let text = FRRSave.reason(writeOutput: Self.unsaved, finding: "write named no saved file", status: 0, configDirectory: "/tmp/lab/frr-etc")
        #expect(text == "FRR did not save the configuration (vtysh write exited 0): write named no saved file; FRR said: Can't open configuration file /dev/null.WoYxs5. / Can't open configuration file /tmp/lab/frr.conf.YRBlh3. / % Can't open configuration file /tmp/lab/frr-etc/vtysh.conf due to 'No such file or directory'.; the configuration folder (/tmp/lab/frr-etc) needs a vtysh.conf with the line 'service integrated-vtysh-config', so that vtysh saves every daemon's configuration to frr.conf there")
    }
}
