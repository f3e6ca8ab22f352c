//! rwmi's connection pool and fleet fan-out against the emulator: reuse by key, idle expiry, the bound on
//! open connections, re-connect after the emulator restarts, the per-target limit, and a dead host among
//! healthy ones.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use rwmi::Value;
use rwmi::fleet::{FleetEvent, fan_out};
use rwmi::pool::{Pool, PoolConfig};
use rwmi::security::{AuthLevel, Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Health, WmiStage};
use rwmi_sim::accounts::BUILTIN_PASSWORD;
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::{SimOptions, start};
use support::{loopback, rows};

async fn emulator(listen: SocketAddr, virtual_hosts: usize) -> EmulatorHandle {
    start(&SimOptions {
        listen,
        virtual_hosts,
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

fn options(target: SocketAddr) -> ConnectOptions {
    options_with(target, Secret::Password(BUILTIN_PASSWORD.into()))
}

fn options_with(target: SocketAddr, secret: Secret) -> ConnectOptions {
    let credentials = Credentials::new("Administrator", "EMU", secret);
    let mut options = ConnectOptions::new(&target.to_string(), credentials).unwrap();
    options.auth_level = AuthLevel::Privacy;
    options.connect_timeout = Duration::from_secs(5);
    options
}

async fn caption(pool: &Pool, options: &ConnectOptions) -> String {
    let lease = pool.connection(options).await.unwrap();
    let rows = rows(&lease, "SELECT Caption FROM Win32_OperatingSystem").await;
    match rows.first().and_then(|r| r.get("Caption")) {
        Some(Value::String(caption)) => caption.clone(),
        other => panic!("Caption is {other:?}"),
    }
}

#[tokio::test]
async fn connections_are_reused_by_key_and_expire_when_idle() {
    let handle = emulator(loopback(), 1).await;
    let pool = Pool::new(PoolConfig {
        idle_timeout: Duration::from_millis(200),
        ..PoolConfig::default()
    });
    let target = options(handle.hosts()[0].scm_addr);
    assert!(caption(&pool, &target).await.contains("Windows"));
    assert!(caption(&pool, &target).await.contains("Windows"));
    let stats = pool.stats();
    assert_eq!(
        (stats.connects, stats.reuses, stats.open, stats.idle),
        (1, 1, 1, 1)
    );

    // Another namespace, another level or another secret (the same account's NT hash) is another
    // connection.
    let other_namespace = target.clone().with_namespace("root\\default").unwrap();
    let mut other_level = target.clone();
    other_level.auth_level = AuthLevel::Integrity;
    let other_user = options_with(
        handle.hosts()[0].scm_addr,
        Secret::NtHash(Secret::Password(BUILTIN_PASSWORD.into()).nt_hash()),
    );
    for options in [&other_namespace, &other_level, &other_user] {
        drop(pool.connection(options).await.unwrap());
    }
    assert_eq!(pool.stats().connects, 4);
    assert_eq!(pool.stats().open, 4);
    // A second lease of a key in use shares its connection.
    let first = pool.connection(&target).await.unwrap();
    let second = pool.connection(&target).await.unwrap();
    assert_eq!(
        first.report().dcom.object_exporter,
        second.report().dcom.object_exporter
    );
    assert_eq!(pool.stats().connects, 4);
    drop((first, second));

    // Past the idle time-out every idle connection is closed (by the pool's own sweep, or by this
    // call, whichever comes first); a lease in use is never expired.
    let held = pool.connection(&other_user).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    pool.expire_idle();
    let stats = pool.stats();
    assert_eq!((stats.open, stats.idle, stats.expired), (1, 0, 3));
    assert!(held.health().is_healthy());
    drop(held);
    // The next use connects again.
    assert!(caption(&pool, &target).await.contains("Windows"));
    assert_eq!(pool.stats().connects, 5);
    assert_eq!(pool.close_idle().await, 2);
    assert_eq!(pool.stats().open, 0);
    handle.shutdown().await;
}

/// A connection's calls keep using the options it was made with (batch size, time-outs, DCOM options),
/// so options that differ only there get a connection of their own.
#[tokio::test]
async fn options_a_connection_keeps_using_are_part_of_the_key() {
    let handle = emulator(loopback(), 1).await;
    let pool = Pool::new(PoolConfig::default());
    let target = options(handle.hosts()[0].scm_addr);
    let mut other_batches = target.clone();
    other_batches.batch_size = 7;
    let mut other_timeout = target.clone();
    other_timeout.call_timeout += Duration::from_secs(1);
    let mut without_smart_enum = target.clone();
    without_smart_enum.dcom.smart_enum = false;
    for options in [
        &target,
        &other_batches,
        &other_timeout,
        &without_smart_enum,
        &target,
    ] {
        drop(pool.connection(options).await.unwrap());
    }
    let stats = pool.stats();
    assert_eq!((stats.connects, stats.reuses, stats.open), (4, 1, 4));
    pool.close_idle().await;
    handle.shutdown().await;
}

#[tokio::test]
async fn the_pool_keeps_at_most_max_connections_open() {
    let handle = emulator(loopback(), 3).await;
    let pool = Pool::new(PoolConfig {
        max_connections: 2,
        max_concurrency: 1,
        ..PoolConfig::default()
    });
    for host in handle.hosts() {
        assert!(
            caption(&pool, &options(host.scm_addr))
                .await
                .contains("Windows")
        );
        assert!(pool.stats().open <= 2, "{:?}", pool.stats());
    }
    let stats = pool.stats();
    assert_eq!((stats.connects, stats.evicted, stats.open), (3, 1, 2));
    pool.close_idle().await;
    handle.shutdown().await;
}

/// The emulator restarts on the same address: the pooled connection's association is gone, the pool
/// sees it at checkout and connects again, and the caller gets rows as if nothing had happened.
#[tokio::test]
async fn a_connection_is_made_again_after_the_emulator_restarts() {
    let handle = emulator(loopback(), 1).await;
    let address = handle.hosts()[0].scm_addr;
    let pool = Pool::new(PoolConfig::default());
    let target = options(address);
    let old = pool.connection(&target).await.unwrap().connection().clone();
    handle.shutdown().await;
    let handle = emulator(address, 1).await;
    // The server's end closed the old association; health sees it without a call.
    for _ in 0..100 {
        if !old.health().is_healthy() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        matches!(old.health(), Health::Closed(_)),
        "{:?}",
        old.health()
    );
    drop(old);
    assert!(caption(&pool, &target).await.contains("Windows"));
    let stats = pool.stats();
    assert_eq!((stats.connects, stats.unhealthy, stats.open), (2, 1, 1));
    assert!(caption(&pool, &target).await.contains("Windows"));
    assert_eq!(pool.stats().reuses, 1);
    pool.close_idle().await;
    handle.shutdown().await;
}

#[tokio::test]
async fn health_says_when_the_association_has_ended() {
    let handle = emulator(loopback(), 1).await;
    let address = handle.hosts()[0].scm_addr;
    let pool = Pool::new(PoolConfig::default());
    let lease = pool.connection(&options(address)).await.unwrap();
    assert_eq!(lease.health(), Health::Healthy);
    handle.shutdown().await;
    let mut health = Health::Healthy;
    for _ in 0..100 {
        health = lease.health();
        if !health.is_healthy() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(matches!(health, Health::Closed(_)), "{health:?}");
}

/// A one-shot caller retires its lease: the connection closes at once, unless another lease shares it.
#[tokio::test]
async fn a_retired_lease_closes_its_connection_unless_shared() {
    let handle = emulator(loopback(), 1).await;
    let pool = Pool::new(PoolConfig::default());
    let target = options(handle.hosts()[0].scm_addr);
    let first = pool.connection(&target).await.unwrap();
    let second = pool.connection(&target).await.unwrap();
    first.retire().await;
    let stats = pool.stats();
    assert_eq!((stats.open, stats.keys), (1, 1), "shared: kept");
    assert!(second.health().is_healthy());
    second.retire().await;
    let stats = pool.stats();
    assert_eq!((stats.open, stats.keys, stats.idle), (0, 0, 0), "{stats:?}");
    assert!(caption(&pool, &target).await.contains("Windows"));
    assert_eq!(pool.stats().connects, 2);
    pool.close_idle().await;
    handle.shutdown().await;
}

#[tokio::test]
async fn a_target_gets_at_most_max_per_target_operations_at_once() {
    let handle = emulator(loopback(), 1).await;
    let pool = Pool::new(PoolConfig {
        max_per_target: 1,
        ..PoolConfig::default()
    });
    let target = options(handle.hosts()[0].scm_addr);
    let first = pool.connection(&target).await.unwrap();
    let waiting = tokio::spawn({
        let pool = pool.clone();
        let target = target.clone();
        async move {
            pool.connection(&target)
                .await
                .map(|lease| lease.namespace().to_string())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiting.is_finished(),
        "the second lease waits for the first"
    );
    drop(first);
    assert_eq!(waiting.await.unwrap().unwrap(), "root\\cimv2");
    assert_eq!(pool.stats().connects, 1);
    pool.close_idle().await;
    handle.shutdown().await;
}

/// Five healthy hosts and one whose port 135 is closed: every healthy host yields its row, the dead one
/// its own connect failure, and nothing waits for it.
#[tokio::test]
async fn a_dead_host_among_healthy_ones_fails_alone() {
    let handle = emulator(loopback(), 5).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = closed.local_addr().unwrap();
    drop(closed);
    let mut hosts: Vec<(String, ConnectOptions)> = handle
        .hosts()
        .iter()
        .map(|h| (h.scm_addr.to_string(), options(h.scm_addr)))
        .collect();
    hosts.insert(2, (dead.to_string(), options(dead)));
    let pool = Pool::new(PoolConfig {
        max_concurrency: 3,
        ..PoolConfig::default()
    });
    let mut events = fan_out(&pool, hosts, |pool, options, emitter| async move {
        let lease = pool.connection(&options).await?;
        let mut rows = lease
            .query("SELECT Caption FROM Win32_OperatingSystem")
            .await?;
        let mut count = 0;
        while let Some(row) = rows.next().await {
            emitter.emit(row?).await;
            count += 1;
        }
        Ok(count)
    });
    let (mut rows, mut done, mut failed) = (0, 0, Vec::new());
    while let Some(event) = events.next().await {
        match event {
            FleetEvent::Item { item, .. } => {
                assert!(item.get("Caption").is_some());
                rows += 1;
            }
            FleetEvent::Done { host, result } => match result {
                Ok(count) => {
                    assert_eq!(count, 1, "{host}");
                    done += 1;
                }
                Err(e) => failed.push((host, e)),
            },
        }
    }
    assert_eq!((rows, done), (5, 5));
    assert_eq!(failed.len(), 1);
    assert_eq!(&*failed[0].0, dead.to_string());
    assert_eq!(failed[0].1.stage, WmiStage::Connect, "{}", failed[0].1);
    // The dead host left no entry behind; closing leaves none at all.
    let stats = pool.stats();
    assert_eq!((stats.open, stats.keys), (5, 5));
    assert_eq!(pool.close_idle().await, 5);
    assert_eq!(pool.stats().keys, 0);
    handle.shutdown().await;
}
