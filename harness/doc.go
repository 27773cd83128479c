// Package harness holds the reliability and performance harnesses of the
// reference server. Both drive the real `fastcheck server` binary (built
// once per run) over real HTTP on loopback, on SQLite and on a PostgreSQL
// cluster of their own that they can crash and restart:
//
//   - TestReliability is a Jepsen-bank-style workload: concurrent clients
//     create, accept (some the same check at once), cancel, top up through
//     the real sandbox bank and Briacoin simulator (callbacks delivered
//     more than once) and withdraw, while replicas are killed with SIGKILL,
//     PostgreSQL is stopped with `pg_ctl stop -m immediate` and the payment
//     provider stalls. A reader runs `fastcheck server audit` (one snapshot)
//     throughout; at the end every acknowledged operation must be present
//     and the audit must pass. It prints one summary line. The short run is
//     part of `make test`; `make reliability` runs the long one.
//   - BenchmarkPerformance (`make bench`) measures signed create+accept
//     pairs over HTTP on SQLite and on PostgreSQL with 1 and 3 replicas,
//     runs pgbench on the same cluster, and prints one table.
//
// Everything is in the package's tests; this file only documents it.
package harness
