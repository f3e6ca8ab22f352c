//! Command-line arguments shared by the commands that connect to a host.

use clap::{Args, ValueEnum};

#[derive(Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Target host[:port]; repeatable, comma-separated lists, or @FILE with one host per line.
    #[arg(short = 'H', long = "host", value_name = "HOST", required = true)]
    pub hosts: Vec<String>,
    /// User as DOMAIN\user, user@domain or user.
    #[arg(short = 'u', long, env = "RWMI_USER")]
    pub user: Option<String>,
    /// Read the password from this file (first line). RWMI_PASSWORD also works; otherwise a TTY prompt.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<String>,
    /// The password on the command line. Other users of this machine can read process arguments: prefer
    /// RWMI_PASSWORD or --password-file.
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// Pass-the-hash: [LM:]NT.
    #[arg(long, value_name = "[LM:]NT")]
    pub hashes: Option<String>,
    /// Use Kerberos: tickets from the KDC (--kdc) for host/<HOST>, or the SPN of --authority kerberos:P.
    #[arg(short = 'k', long)]
    pub kerberos: bool,
    /// With Kerberos: bind as the Kerberos package itself (the default, three legs) or as Negotiate,
    /// SPNEGO around the same tokens, as Windows clients do (one more round trip per connection).
    #[arg(long, value_enum, value_name = "PACKAGE")]
    pub auth_package: Option<AuthPackageArg>,
    /// ConnectServer's authority: ntlmdomain:DOMAIN, or kerberos:host/server.domain (Kerberos with this SPN).
    #[arg(long)]
    pub authority: Option<String>,
    /// The Kerberos KDC (a domain controller), HOST[:PORT], port 88 by default; without it the realm's DNS
    /// name is used.
    #[arg(long, alias = "dc-ip", value_name = "HOST[:PORT]")]
    pub kdc: Option<String>,
    /// The Kerberos realm (the DNS domain); by default the domain of -u, upper-cased.
    #[arg(long)]
    pub realm: Option<String>,
    /// Kerberos pass-the-key: the user's AES256 or AES128 long-term key in hexadecimal, instead of a password.
    #[arg(long, value_name = "HEX")]
    pub aes_key: Option<String>,
    /// Kerberos with the user's AES key from this keytab (e.g. from `samba-tool domain exportkeytab` or
    /// `ktutil`); the user defaults to the keytab's first principal.
    #[arg(long, value_name = "FILE")]
    pub keytab: Option<String>,
    /// Kerberos with the TGT in this credential cache (as `kinit` writes it). With -k and no password
    /// given, KRB5CCNAME is used the same way; the user defaults to the cache's principal.
    #[arg(long, value_name = "FILE")]
    pub ccache: Option<String>,
    /// Namespace, root\cimv2 by default ('/' works too).
    #[arg(short = 'n', long, default_value = "root\\cimv2")]
    pub namespace: String,
    /// Locale such as MS_409.
    #[arg(long)]
    pub locale: Option<String>,
    /// Authentication level; privacy (the default) signs and encrypts every packet.
    #[arg(long, value_enum, default_value_t = AuthLevelArg::Privacy)]
    pub auth_level: AuthLevelArg,
    /// Seconds allowed for each TCP connect and each call.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Bound the whole connect, as wbemConnectFlagUseMaxWait does (at most 120 s).
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "120")]
    pub max_wait: Option<f64>,
    /// Hosts queried at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Objects per IEnumWbemClassObject::Next round trip.
    #[arg(long, default_value_t = 256, hide = true)]
    pub batch_size: u32,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPackageArg {
    Kerberos,
    Negotiate,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthLevelArg {
    Connect,
    Integrity,
    Privacy,
}

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format; table on a terminal, json when piped.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Only these properties (repeatable or comma-separated), in this order.
    #[arg(short = 'P', long = "property", value_delimiter = ',')]
    pub properties: Vec<String>,
    /// No header line (table and csv).
    #[arg(long)]
    pub no_header: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    List,
    Json,
    Ndjson,
    Csv,
}
