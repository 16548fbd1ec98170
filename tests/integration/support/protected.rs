//! Servers that demand more than a URL: Prometheus behind TLS with client
//! certificates or basic auth (its own `--web.config.file`), an OAuth2 token
//! endpoint with a checking gate in front of Prometheus, Debian's tinyproxy, and a
//! real Secret Service (gnome-keyring) on a private session bus.

use super::{Server, free_port, require, scrape_config, wait_until};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A certificate authority made for one test, writing PEM files into `dir`.
pub struct Authority {
    params: CertificateParams,
    key: KeyPair,
    /// The CA's certificate, PEM.
    pub cert_file: PathBuf,
    dir: PathBuf,
}

/// A certificate and its key, as files.
pub struct Issued {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl Authority {
    pub fn new(dir: &Path, name: &str) -> Authority {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        let cert_file = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&cert_file, cert.pem()).unwrap();
        Authority {
            params,
            key,
            cert_file,
            dir: dir.to_owned(),
        }
    }

    fn issue(&self, file_name: &str, mut params: CertificateParams) -> Issued {
        let key = KeyPair::generate().unwrap();
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        let cert_file = self.dir.join(format!("{file_name}.pem"));
        let key_file = self.dir.join(format!("{file_name}-key.pem"));
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        Issued {
            cert_file,
            key_file,
        }
    }

    /// A server certificate for `names` (host names) and 127.0.0.1.
    pub fn server(&self, file_name: &str, names: &[&str]) -> Issued {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(file_name, params)
    }

    /// A server certificate for `names` only (not the loopback address).
    pub fn server_named_only(&self, file_name: &str, names: &[&str]) -> Issued {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(file_name, params)
    }

    /// A client certificate for `name`; `expired` makes one that ran out in 2021.
    pub fn client(&self, file_name: &str, name: &str, expired: bool) -> Issued {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        self.issue(file_name, params)
    }
}

/// Prometheus scraping `target`, serving its API as `web_config` (the
/// exporter-toolkit's `--web.config.file`: TLS, client certificates, basic-auth
/// users) says. Ready once it listens: its health path wants the same credentials.
pub fn prometheus_with_web_config(
    target: SocketAddr,
    web_config: &str,
    dir: tempfile::TempDir,
) -> Server {
    let binary = require("prometheus", "prometheus");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, scrape_config(target)).unwrap();
    let web = dir.path().join("web.yml");
    std::fs::write(&web, web_config).unwrap();
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let command = vec![
        binary.display().to_string(),
        format!("--config.file={}", config.display()),
        format!("--web.config.file={}", web.display()),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address={address}"),
        "--log.level=warn".to_owned(),
    ];
    Server::spawn_listening(command, Vec::new(), address, dir)
}

/// An OAuth2 token endpoint (`POST /token`, client credentials checked by basic
/// auth) issuing tokens that live `lifetime_s`, and a gate on the same port that
/// passes a GET on to `upstream` only with a token it issued and that has not
/// expired (401 otherwise). It counts the tokens it issued in `token_requests`
/// and logs every refusal in `refused`.
pub fn oauth2_gate(
    upstream: &str,
    client_id: &str,
    client_secret: &str,
    lifetime_s: u32,
) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("gate.py");
    std::fs::write(&script, OAUTH2_GATE).unwrap();
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let command = vec![
        "python3".to_owned(),
        script.display().to_string(),
        address.port().to_string(),
        upstream.to_owned(),
        client_id.to_owned(),
        client_secret.to_owned(),
        lifetime_s.to_string(),
        dir.path().display().to_string(),
    ];
    Server::spawn_with_env(command, Vec::new(), address, dir)
}

/// Tokens the gate issued so far.
pub fn tokens_issued(gate: &Server) -> u32 {
    std::fs::read_to_string(gate.dir.path().join("token_requests"))
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The token the gate issued last.
pub fn last_token(gate: &Server) -> String {
    std::fs::read_to_string(gate.dir.path().join("last_token")).unwrap_or_default()
}

/// Requests the gate turned away so far, one line each.
pub fn gate_refusals(gate: &Server) -> String {
    std::fs::read_to_string(gate.dir.path().join("refused")).unwrap_or_default()
}

const OAUTH2_GATE: &str = r#"
import base64, json, secrets, sys, threading, time, urllib.error, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, upstream, client_id, client_secret, lifetime, folder = sys.argv[1:7]
lifetime = int(lifetime)
tokens = {}
lock = threading.Lock()
issued = 0

class Gate(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, kind="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global issued
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        expected = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        if self.path != "/token":
            return self.answer(404, {"error": "not_found"})
        if self.headers.get("Authorization") != expected:
            return self.answer(400, {"error": "invalid_client", "error_description": "unknown client or wrong secret"})
        if form.get("grant_type") != ["client_credentials"]:
            return self.answer(400, {"error": "unsupported_grant_type"})
        token = secrets.token_hex(16)
        with lock:
            tokens[token] = time.time() + lifetime
            issued += 1
            with open(f"{folder}/token_requests", "w") as f:
                f.write(str(issued))
            with open(f"{folder}/last_token", "w") as f:
                f.write(token)
        self.answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime})

    def do_GET(self):
        if self.path == "/health":
            return self.answer(200, b"ok", "text/plain")
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with lock:
            good = token is not None and tokens.get(token, 0) > time.time()
        if not good and self.path.startswith("/api/"):
            with open(f"{folder}/refused", "a") as f:
                f.write(f"{time.time():.1f} {self.path[:60]} {'expired' if token in tokens else 'unknown'}\n")
        if not good:
            return self.answer(401, {"status": "error", "errorType": "unauthorized", "error": "token missing, unknown or expired"})
        try:
            with urllib.request.urlopen(upstream + self.path, timeout=30) as reply:
                self.answer(reply.status, reply.read())
        except urllib.error.HTTPError as error:
            self.answer(error.code, error.read())

ThreadingHTTPServer(("127.0.0.1", int(port)), Gate).serve_forever()
"#;

/// Debian's tinyproxy on a free port, logging every request it forwards.
pub fn tinyproxy() -> Server {
    let binary = require("tinyproxy", "tinyproxy");
    let dir = tempfile::tempdir().unwrap();
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let config = dir.path().join("tinyproxy.conf");
    std::fs::write(
        &config,
        format!(
            "Port {}\nListen 127.0.0.1\nTimeout 60\nLogFile \"{}\"\nLogLevel Info\nMaxClients 50\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            address.port(),
            dir.path().join("proxy.log").display()
        ),
    )
    .unwrap();
    let command = vec![
        binary.display().to_string(),
        "-d".to_owned(),
        "-c".to_owned(),
        config.display().to_string(),
    ];
    Server::spawn_listening(command, Vec::new(), address, dir)
}

/// What tinyproxy logged.
pub fn proxy_log(proxy: &Server) -> String {
    std::fs::read_to_string(proxy.dir.path().join("proxy.log")).unwrap_or_default()
}

/// A real Secret Service: gnome-keyring-daemon, its login keyring unlocked, on a
/// private session bus. Both are killed when dropped.
pub struct Keyring {
    /// `DBUS_SESSION_BUS_ADDRESS` for processes that should use this keyring.
    pub address: String,
    dir: tempfile::TempDir,
    bus: Child,
    daemon: Child,
}

impl Keyring {
    pub fn start() -> Keyring {
        let keyring_binary = require("gnome-keyring-daemon", "gnome-keyring");
        let dir = tempfile::tempdir().unwrap();
        let (bus, address) = super::private_bus(dir.path());
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join("run")).unwrap();
        let mut daemon = Command::new(keyring_binary)
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("keyring.log")).unwrap())
            .spawn()
            .unwrap();
        // The login keyring's password, then end of input: it is created unlocked.
        let mut stdin = daemon.stdin.take().unwrap();
        stdin.write_all(b"fleetdeck-test").unwrap();
        drop(stdin);
        let keyring = Keyring {
            address,
            dir,
            bus,
            daemon,
        };
        wait_until("gnome-keyring on the bus", || {
            keyring.store("fleetdeck-probe", "probe", "ready")
                && keyring.lookup("fleetdeck-probe", "probe").as_deref() == Some("ready")
        });
        keyring
    }

    fn secret_tool(&self) -> Command {
        let mut command = Command::new(require("secret-tool", "libsecret-tools"));
        command.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
        command
    }

    /// Stores `secret` under service/account, as `secret-tool store` does.
    pub fn store(&self, service: &str, account: &str, secret: &str) -> bool {
        let Ok(mut child) = self
            .secret_tool()
            .args([
                "store",
                "--label=fleetdeck test",
                "service",
                service,
                "username",
                account,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            return false;
        };
        let mut stdin = child.stdin.take().unwrap();
        let written = stdin.write_all(secret.as_bytes()).is_ok();
        drop(stdin);
        written && child.wait().is_ok_and(|status| status.success())
    }

    /// The secret under service/account, as `secret-tool lookup` finds it.
    pub fn lookup(&self, service: &str, account: &str) -> Option<String> {
        let output = self
            .secret_tool()
            .args(["lookup", "service", service, "username", account])
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
