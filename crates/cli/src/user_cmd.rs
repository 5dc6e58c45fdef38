//! `salescope user` and `salescope token`: accounts and API tokens, for the operator at the
//! server's terminal (changes are logged as made by `cli`).

use clap::Subcommand;
use salescope_app::accounts::{self, NewUser};
use salescope_store::Db;

const BY: &str = "cli";

#[derive(Subcommand)]
pub enum UserAction {
    /// Add an account; without --password a password is generated and printed once.
    Add {
        login: String,
        /// admin, manager, team_lead, trainer or rep.
        #[arg(long)]
        role: String,
        /// The name shown on pages (default: the login).
        #[arg(long, default_value = "")]
        name: String,
        /// The rep record of a rep or team lead.
        #[arg(long)]
        rep: Option<String>,
        /// The team a team lead leads, or a manager's org unit.
        #[arg(long)]
        team: Option<String>,
        /// en or zh-CN (default: the browser's).
        #[arg(long)]
        lang: Option<String>,
        #[arg(long, env = "SALESCOPE_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Every account with its role and scope.
    List,
    /// Set a new password (generated and printed without --password); ends the account's sessions.
    Passwd {
        login: String,
        #[arg(long, env = "SALESCOPE_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable an account: it cannot log in, its sessions end and its API tokens stop working.
    Disable { login: String },
    /// Enable a disabled account again.
    Enable { login: String },
}

#[derive(Subcommand)]
pub enum TokenAction {
    /// Create an API token for an account's ingestion jobs; it is printed once, stored hashed.
    Add {
        login: String,
        /// What the token is for (shown in `token list`).
        #[arg(long)]
        name: String,
    },
    /// Every token: id, name, account, created, revoked.
    List,
    /// Revoke a token by its id.
    Revoke { id: String },
}

pub async fn run_user(action: UserAction, db: &Db) -> anyhow::Result<()> {
    match action {
        UserAction::Add { login, role, name, rep, team, lang, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(accounts::new_password);
            let user =
                accounts::add_user(db, NewUser { login, name, role, rep_id: rep, team, lang, password: password.clone() }, BY).await?;
            println!("added {} ({})", user.login, user.role);
            if generated {
                println!("password: {password}");
            }
        }
        UserAction::List => {
            println!("{:<16} {:<10} {:<12} {:<16} {:<8} name", "login", "role", "rep", "team", "status");
            for u in db.users().await? {
                let status = if u.is_disabled() { "disabled" } else { "active" };
                let (rep, team) = (u.rep_id.as_deref().unwrap_or("-"), u.team.as_deref().unwrap_or("-"));
                println!("{:<16} {:<10} {:<12} {:<16} {:<8} {}", u.login, u.role, rep, team, status, u.name);
            }
        }
        UserAction::Passwd { login, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(accounts::new_password);
            accounts::set_password(db, &login, &password, BY).await?;
            println!("password of {login} changed; its sessions have ended");
            if generated {
                println!("password: {password}");
            }
        }
        UserAction::Disable { login } => {
            accounts::set_disabled(db, &login, true, BY).await?;
            println!("{login} is disabled");
        }
        UserAction::Enable { login } => {
            accounts::set_disabled(db, &login, false, BY).await?;
            println!("{login} is enabled");
        }
    }
    Ok(())
}

pub async fn run_token(action: TokenAction, db: &Db) -> anyhow::Result<()> {
    match action {
        TokenAction::Add { login, name } => {
            let (id, token) = accounts::add_api_token(db, &login, &name, BY).await?;
            println!("token {id} for {login} ({name}); send it as `Authorization: Bearer <token>`. It is shown only now:");
            println!("{token}");
        }
        TokenAction::List => {
            println!("{:<14} {:<16} {:<20} {:<12} revoked", "id", "login", "name", "created");
            for t in db.api_tokens().await? {
                let revoked = t.revoked_at.map_or_else(|| "-".to_string(), |at| at.to_string());
                println!("{:<14} {:<16} {:<20} {:<12} {revoked}", t.id, t.login, t.name, t.created_at);
            }
        }
        TokenAction::Revoke { id } => {
            if !db.revoke_api_token(&id, salescope_app::clock::unix_seconds()).await? {
                anyhow::bail!("no live token with id {id}");
            }
            accounts::log_change(db, BY, "api_token", &id, "revoke", None, None).await?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}
