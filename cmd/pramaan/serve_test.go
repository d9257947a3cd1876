package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestServeOfferWalletAndBenchRefuseBadUsage(t *testing.T) {
	dir := t.TempDir()
	runCLICases(t, nil, []cliCase{
		{name: "serve with an argument", args: []string{"serve", "extra"}, wantCode: 2, wantErr: `unexpected argument "extra"`},
		{name: "serve on a non-loopback http URL", args: []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--public-url", "http://issuer.example"}, wantCode: 1, wantErr: "public_url"},
		{name: "offer without subcommand", args: []string{"offer"}, wantCode: 2, wantErr: "usage: pramaan offer create"},
		{name: "offer without an admin token", args: []string{"offer", "create", "--data-dir", filepath.Join(dir, "none")}, wantCode: 1, wantErr: "no admin token"},
		{name: "wallet receive without --trust", args: []string{"wallet", "receive", "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo"}, wantCode: 2, wantErr: "usage: pramaan wallet receive"},
		{name: "wallet present without aud", args: []string{"wallet", "present", "f.json", "--nonce", "n"}, wantCode: 2, wantErr: "usage: pramaan wallet present"},
		{name: "bench with an unknown format", args: []string{"bench", "--format", "ldp_vc"}, wantCode: 2, wantErr: "usage: pramaan bench"},
	})
}

func TestMigrateCreatesTheSQLiteDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out := runOK(t, "migrate", "--data-dir", dir)
	if !strings.Contains(out, "migrations applied: sqlite "+filepath.Join(dir, "pramaan.db")) {
		t.Fatalf("migrate printed %q", out)
	}
	// Applying again is a no-op.
	runOK(t, "migrate", "--data-dir", dir)
}

func TestMigrateOnPostgres(t *testing.T) {
	db := postgresSchema(t)
	out := runOK(t, "migrate", "--database-url", db)
	if !strings.HasPrefix(out, "migrations applied: postgres postgres://") {
		t.Fatalf("migrate printed %q", out)
	}
}
