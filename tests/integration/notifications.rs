//! Desktop notifications on a real D-Bus session bus: `fleetdeck alarms --watch
//! --notify` sends the freedesktop `Notify` call a notification daemon shows, once
//! per alarm that starts firing, not again on every poll.

use crate::support;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_new_firing_reaches_the_desktop_bus_once() {
    let bus = support::SessionBus::start();
    // 06:22: the injected incident's two local rules fired 40 and 50 s ago, so
    // both are news to a watch that starts now.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "alarms",
            "layouts/demo-fleet.toml",
            "--watch",
            "--notify",
            "--json",
            "--now",
            "2026-11-25T06:22:00Z",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Each poll prints its list as a JSON array: count the arrays' last lines.
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stdout = watch.stdout.take().unwrap();
    let counted = polls.clone();
    std::thread::Builder::new()
        .name("watch-stdout".to_owned())
        .spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                if matches!(line.as_deref().map(str::trim), Ok("]" | "[]")) {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        })
        .unwrap();
    let polls_so_far = || polls.load(std::sync::atomic::Ordering::SeqCst);
    let deadline = Instant::now() + support::PATIENCE;
    while bus.notify_calls().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "no notifications: {}",
            bus.monitor_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Two more polls: still firing, no repeats.
    let after_notifying = polls_so_far();
    support::wait_until("two more polls", || polls_so_far() >= after_notifying + 2);
    let _ = watch.kill();
    let _ = watch.wait();
    let calls = bus.notify_calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    let all = calls.concat();
    assert!(all.contains("string \"fleetdeck\""), "{all}");
    assert!(
        all.contains("string \"firing: p99 latency high · meta-llama/Llama-3.1-70B-Instruct\""),
        "{all}"
    );
    assert!(
        all.contains("string \"firing: queue backing up · meta-llama/Llama-3.1-70B-Instruct\""),
        "{all}"
    );
    assert!(all.contains("(source local)"), "{all}");
    // The critical rule asks to stay on screen (urgency 2); the warning does not.
    let call_for = |name: &str| calls.iter().find(|c| c.contains(name)).unwrap().clone();
    let urgency = |call: &str| {
        call.split("string \"urgency\"")
            .nth(1)
            .and_then(|rest| rest.split("byte ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    };
    assert_eq!(urgency(&call_for("p99 latency high")).as_deref(), Some("2"));
    assert_eq!(urgency(&call_for("queue backing up")).as_deref(), Some("1"));
    if std::env::var_os("FLEETDECK_SHOW_BUS").is_some() {
        eprintln!("{}", bus.monitor_log());
    }
}

#[test]
fn notify_without_watch_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["alarms", "layouts/demo-fleet.toml", "--notify"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--watch"), "{stderr}");
}
