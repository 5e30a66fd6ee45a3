//! `--format html` through the real binary: values are text, evidence lines
//! are quoted from the snapshot, and the run's facts are at the bottom.

use std::process::Command;

fn html(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "html", "--now", "2026-11-21T00:00:00Z"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_script_in_a_resource_name_is_text() {
    let page = html(&["tests/browser/injection.json"]);
    assert!(page.contains(
        "<p class=\"message\">app &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; (app-8812)"
    ));
    // The page's own script is the only one; no value opened an element.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(!page.contains("<script>alert"));
    // Terminal escapes in another app's name are made visible, as in every text format.
    assert!(page.contains("prod\\x1b[2J\\x1b]8;;https://evil.example\\x07click"));
}

#[test]
fn findings_quote_their_evidence_lines_and_the_run_is_described() {
    let page = html(&["fixtures/sipstation/blocked-port-in-flight.json"]);
    assert!(page.contains(
        "<p class=\"evidence\">evidence: <code class=\"pointer\">/telephony/port_outs/0</code> at <code>fixtures/sipstation/blocked-port-in-flight.json:69:7</code></p>\n<pre class=\"snippet\"><span class=\"line\"><span class=\"ln\">   68</span>     &quot;port_outs&quot;: [</span>\n<span class=\"line marked\"><span class=\"ln\">   69</span>       {</span>\n"
    ), "{page}");
    assert!(page.contains("<li value=\"1\"><strong>SIP-001</strong>: Wait to cancel"));
    assert!(page.contains("<dd data-total=\"blocked\">1</dd>"));
    assert!(page.contains("data-id=\"SIP-001\" data-count=\"1\""));
    assert!(page.contains(
        "<dt>evaluation time</dt><dd data-fact=\"evaluation-time\"><code>2026-11-21T00:00:00Z</code></dd>"
    ));
    assert!(page.contains(&format!(
        "<dt>closeout version</dt><dd data-fact=\"closeout-version\"><code>{}</code></dd>",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(page.contains("<code>closeout check --format html --now 2026-11-21T00:00:00Z fixtures/sipstation/blocked-port-in-flight.json</code>"));
    // Redacted, in the message and in the quoted lines alike.
    assert!(page.contains("port-out PO-3 of +1256•••0100 is authorized"));
    assert!(!page.contains("+12565550100"));
    assert!(page.contains("break-before: page"));
    assert!(
        !page.contains("http://")
            || page.matches("http://").count()
                == page.matches("http://www.w3.org/2000/svg").count()
    );
}
