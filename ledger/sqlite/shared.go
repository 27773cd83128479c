package sqlite

import "fastcheck/ledger"

// The state replicas share beside the books (ledger.Shared) is kept in
// this process's memory (ledger.MemShared, embedded in Store): one
// process owns the SQLite file, so it is the only replica, and a database
// write per signed request would cost the single writer a transaction
// per request (measured: see ARCHITECTURE.md).
var _ ledger.Shared = (*Store)(nil)
