//! Environment → Config, with errors a person can act on.

use std::time::Duration;

/// Telegram's published limits. The delivery layer keeps under them with margins (see
/// `delivery::pace`); a 429 that still comes is obeyed like any other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacing {
    pub per_chat_per_sec: u32,
    pub per_group_per_min: u32,
    pub overall_per_sec: u32,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            per_chat_per_sec: 1,
            per_group_per_min: 20,
            overall_per_sec: 30,
        }
    }
}

/// Webhook mode: Telegram posts updates to `url` (an HTTPS address of a reverse proxy in front
/// of the bot), which the bot receives on `listen`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub url: url::Url,
    pub listen: std::net::SocketAddr,
}

pub const DEFAULT_WEBHOOK_LISTEN: &str = "127.0.0.1:8443";

#[derive(Clone, Debug)]
pub struct Config {
    pub token: String,
    /// teloxide's `TELOXIDE_API_URL`: another Bot API server (a local one, or a test fake).
    pub api_url: Option<String>,
    pub database_url: String,
    pub admins: Vec<i64>,
    /// `None` turns pacing off (benchmarks against a fake without limits).
    pub pacing: Option<Pacing>,
    /// Long-polling timeout for getUpdates.
    pub poll_timeout: Duration,
    /// Automatic daily backups (`DWCP_BACKUP_DIR`, `DWCP_BACKUP_KEEP`), when asked for.
    pub backups: Option<crate::backups::Schedule>,
    /// Where to serve /healthz and /metrics (`DWCP_METRICS_ADDR`), when asked for.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Webhook mode (`DWCP_WEBHOOK_URL`, `DWCP_WEBHOOK_LISTEN`); long polling when `None`.
    pub webhook: Option<Webhook>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://dwcp-feedback.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "TELOXIDE_TOKEN is not set. Create a bot with @BotFather in Telegram (send /newbot), then run:\n  \
         TELOXIDE_TOKEN=123456:ABC... cargo run --release\n\
         To try the conversation without a token: cargo run --release -- try"
    )]
    MissingToken,
    #[error("{name} is `{value}`: {why}")]
    Invalid {
        name: &'static str,
        value: String,
        why: String,
    },
}

impl Config {
    /// Reads the environment through `get`, so tests can pass a map instead of mutating the process.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let token = get("TELOXIDE_TOKEN")
            .filter(|t| !t.trim().is_empty())
            .ok_or(ConfigError::MissingToken)?;
        let api_url = get("TELOXIDE_API_URL").filter(|u| !u.trim().is_empty());
        if let Some(url) = &api_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    name: "TELOXIDE_API_URL",
                    value: url.clone(),
                    why: "expected an http:// or https:// address".into(),
                });
            }
        }
        let admins = get("DWCP_ADMINS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>().map_err(|_| ConfigError::Invalid {
                    name: "DWCP_ADMINS",
                    value: s.to_string(),
                    why: "expected Telegram user ids (numbers) separated by commas".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pacing = match get("DWCP_PACING").as_deref().map(str::trim) {
            None | Some("") | Some("on") | Some("telegram") => Some(Pacing::default()),
            Some("off") => None,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "DWCP_PACING",
                    value: other.into(),
                    why: "expected `on` (Telegram's limits, the default) or `off`".into(),
                })
            }
        };
        let poll_timeout = match get("DWCP_POLL_TIMEOUT_SECS") {
            None => Duration::from_secs(10),
            Some(s) => Duration::from_secs(s.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "DWCP_POLL_TIMEOUT_SECS",
                value: s.clone(),
                why: "expected a whole number of seconds".into(),
            })?),
        };
        let backups = match get("DWCP_BACKUP_DIR").filter(|d| !d.trim().is_empty()) {
            None => None,
            Some(dir) => {
                let keep = match get("DWCP_BACKUP_KEEP") {
                    None => 7,
                    Some(k) => k
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|k| *k >= 1)
                        .ok_or_else(|| ConfigError::Invalid {
                            name: "DWCP_BACKUP_KEEP",
                            value: k.clone(),
                            why: "expected how many daily backups to keep (1 or more)".into(),
                        })?,
                };
                Some(crate::backups::Schedule {
                    dir: dir.trim().into(),
                    keep,
                })
            }
        };
        let metrics_addr = match get("DWCP_METRICS_ADDR").filter(|a| !a.trim().is_empty()) {
            None => None,
            Some(a) => Some(a.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "DWCP_METRICS_ADDR",
                value: a.clone(),
                why: "expected an address and port, such as 127.0.0.1:9464".into(),
            })?),
        };
        let webhook = match get("DWCP_WEBHOOK_URL").filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(u) => Some(webhook(u.trim(), get("DWCP_WEBHOOK_LISTEN"))?),
        };
        Ok(Config {
            backups,
            metrics_addr,
            webhook,
            token,
            api_url,
            database_url: get("DATABASE_URL")
                .filter(|u| !u.trim().is_empty())
                .unwrap_or(DEFAULT_DATABASE_URL.into()),
            admins,
            pacing,
            poll_timeout,
        })
    }

    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }
}

/// Telegram posts only to HTTPS addresses; plain HTTP is accepted on this machine alone, for a
/// local Bot API server or a test.
fn webhook(url: &str, listen: Option<String>) -> Result<Webhook, ConfigError> {
    let invalid = |why: &str| ConfigError::Invalid {
        name: "DWCP_WEBHOOK_URL",
        value: url.into(),
        why: why.into(),
    };
    let parsed = url::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    let local = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && local) {
        return Err(invalid(
            "Telegram sends updates only to https:// addresses (ports 443, 80, 88 or 8443)",
        ));
    }
    let listen = listen.filter(|l| !l.trim().is_empty());
    let listen = listen
        .as_deref()
        .unwrap_or(DEFAULT_WEBHOOK_LISTEN)
        .trim()
        .parse()
        .map_err(|_| ConfigError::Invalid {
            name: "DWCP_WEBHOOK_LISTEN",
            value: listen.clone().unwrap_or_default(),
            why: "expected an address and port, such as 127.0.0.1:8443".into(),
        })?;
    Ok(Webhook {
        url: parsed,
        listen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn missing_token_explains_botfather() {
        let err = config(&[]).unwrap_err().to_string();
        assert!(
            err.contains("@BotFather") && err.contains("TELOXIDE_TOKEN"),
            "{err}"
        );
    }

    #[test]
    fn defaults_and_parsing() {
        let c = config(&[("TELOXIDE_TOKEN", "1:x"), ("DWCP_ADMINS", "12, 34")]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.admins, [12, 34]);
        assert_eq!(c.pacing, Some(Pacing::default()));
        assert!(config(&[("TELOXIDE_TOKEN", "1:x"), ("DWCP_ADMINS", "alice")]).is_err());
        assert!(config(&[("TELOXIDE_TOKEN", "1:x"), ("DWCP_PACING", "off")])
            .unwrap()
            .pacing
            .is_none());
        assert_eq!(c.backups, None);
        assert_eq!(c.webhook, None);
        let w = config(&[
            ("TELOXIDE_TOKEN", "1:x"),
            ("DWCP_WEBHOOK_URL", "https://bot.example.org/telegram"),
        ])
        .unwrap()
        .webhook
        .unwrap();
        assert_eq!(w.listen.to_string(), DEFAULT_WEBHOOK_LISTEN);
        assert_eq!(w.url.path(), "/telegram");
        assert!(config(&[
            ("TELOXIDE_TOKEN", "1:x"),
            ("DWCP_WEBHOOK_URL", "http://bot.example.org/telegram")
        ])
        .is_err());
        let b = config(&[
            ("TELOXIDE_TOKEN", "1:x"),
            ("DWCP_BACKUP_DIR", "/var/backups/dwcp"),
        ])
        .unwrap()
        .backups
        .unwrap();
        assert_eq!((b.dir.to_str(), b.keep), (Some("/var/backups/dwcp"), 7));
        assert!(config(&[
            ("TELOXIDE_TOKEN", "1:x"),
            ("DWCP_BACKUP_DIR", "/b"),
            ("DWCP_BACKUP_KEEP", "0")
        ])
        .is_err());
    }
}
