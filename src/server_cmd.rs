//! `run --server-cmd 'CMD {port}'`: the server under test, started by `run` on a free port and
//! stopped afterwards, as the Autobahn Maven plugin does it.
//!
//! A free port is found by binding `127.0.0.1:0` and letting it go; `{port}` in the command is
//! replaced by it and the command runs under `sh -c` in a process group of its own. Dropping the
//! [`ServerProcess`] ends the whole group (SIGTERM, then SIGKILL after two seconds), so a
//! server that forks or a shell wrapper never outlives the run, whatever path the run ends by.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A started server under test; stopped when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// The port it was told to listen on.
    pub port: u16,
    /// The command line run (with the port filled in).
    pub command: String,
}

/// Why the server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ServerCmdError {
    /// No free port could be found.
    #[error("cannot find a free port on 127.0.0.1")]
    Port(#[source] std::io::Error),
    /// `sh` could not start the command.
    #[error("cannot start `{command}`")]
    Spawn {
        /// The command.
        command: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A port nobody listens on right now (bound and released).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `template` with every `{port}` replaced.
pub fn fill(template: &str, port: u16) -> String {
    template.replace("{port}", &port.to_string())
}

impl ServerProcess {
    /// Starts `template` (with `{port}` filled in) on a free port. Its stdout and stderr go to
    /// the caller's stderr, so the server's logs stay apart from the report on stdout.
    pub fn start(template: &str) -> Result<ServerProcess, ServerCmdError> {
        let port = free_port().map_err(ServerCmdError::Port)?;
        let command = fill(template, port);
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(&command).stdin(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            sh.process_group(0);
        }
        // stdout joins our stderr: the report on stdout stays clean
        if let Ok(err) = std::io::stderr().as_fd().try_clone_to_owned() {
            sh.stdout(Stdio::from(err));
        }
        let child = sh.spawn().map_err(|source| ServerCmdError::Spawn {
            command: command.clone(),
            source,
        })?;
        Ok(ServerProcess {
            child,
            port,
            command,
        })
    }

    /// Whether the command has exited already (a server that could not start), with its status.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Ends the process group: SIGTERM, up to two seconds' grace, then SIGKILL.
    pub fn stop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        let group = rustix::process::Pid::from_child(&self.child);
        use rustix::process::{Signal, kill_process_group};
        let _ = kill_process_group(group, Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if self.exited().is_some() {
                // the leader is gone; make sure nothing of its group is left either
                let _ = kill_process_group(group, Signal::KILL);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill_process_group(group, Signal::KILL);
        let _ = self.child.wait();
    }
}

use std::os::fd::AsFd;

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_filled_in_and_the_whole_group_is_stopped() {
        assert_eq!(fill("srv --port {port} -p{port}", 9), "srv --port 9 -p9");
        // a shell that starts a grandchild: both must be gone after the drop
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let mut s = ServerProcess::start(&format!(
            "sleep 30 & echo $! > {}; echo {{port}} > {}.port; wait",
            pidfile.display(),
            pidfile.display()
        ))
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !pidfile.with_extension("port").exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let port = std::fs::read_to_string(pidfile.with_extension("port")).unwrap();
        assert_eq!(port.trim(), s.port.to_string());
        let grandchild: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(s.exited().is_none());
        drop(s);
        // gone, or a zombie waiting for init to reap it
        let alive = || {
            std::fs::read_to_string(format!("/proc/{grandchild}/stat")).is_ok_and(|st| {
                st.rsplit(')')
                    .next()
                    .is_some_and(|r| !r.trim_start().starts_with('Z'))
            })
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        while alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(), "the grandchild {grandchild} outlived the drop");
    }
}
