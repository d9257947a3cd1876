package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/portal"
	"github.com/pramaan/pramaan/internal/server"
)

// sweepEvery is how often serve deletes expired one-time values.
const sweepEvery = time.Minute

// serveFlags are the flags of serve and migrate; each overrides the
// configuration file and the environment.
type serveFlags struct {
	addr, publicURL, dataDir, configPath, databaseURL string
}

func (f *serveFlags) register(fs *flag.FlagSet, withListen bool) {
	if withListen {
		fs.StringVar(&f.addr, "addr", "", "host:port to listen on (default "+config.DefaultAddr+")")
		fs.StringVar(&f.publicURL, "public-url", "", "the credential_issuer identifier (default http://<addr>)")
	}
	fs.StringVar(&f.dataDir, "data-dir", "", "directory of the SQLite database, keys and admin token (default "+config.DefaultDataDir+")")
	fs.StringVar(&f.configPath, "config", "", "YAML configuration file (credential configurations, limits, languages)")
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres:// URL (default: $"+config.EnvDatabaseURL+", else SQLite in the data directory)")
}

// load reads the configuration and applies the flags over it.
func (f *serveFlags) load(e env) (*config.Config, error) {
	cfg, err := config.Load(f.configPath, e.getenv)
	if err != nil {
		return nil, err
	}
	if f.addr != "" {
		cfg.Server.Addr = f.addr
		// A new address moves the default public URL with it.
		if f.publicURL == "" && cfg.Server.PublicURL == config.DefaultPublicURL {
			cfg.Server.PublicURL = "http://" + f.addr
		}
	}
	if f.publicURL != "" {
		cfg.Server.PublicURL = f.publicURL
	}
	if f.dataDir != "" {
		cfg.Server.DataDir = f.dataDir
	}
	if f.databaseURL != "" {
		cfg.Server.DatabaseURL = f.databaseURL
	}
	return cfg, nil
}

func (e env) context() context.Context {
	if e.ctx != nil {
		return e.ctx
	}
	return context.Background()
}

func runServe(args []string, e env) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f serveFlags
	f.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pramaan serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, stop := signal.NotifyContext(e.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, &f, e); err != nil {
		fmt.Fprintf(e.stderr, "pramaan serve: %v\n", err)
		return 1
	}
	return 0
}

// defaultGCPercent is serve's garbage collector target when GOGC is not
// set: an issuance allocates freely (JSON, JOSE, CBOR) and little of it
// lives, so collecting at 4x the live heap instead of 2x cut a third of
// the CPU per flow in pramaan bench while the heap stays in megabytes.
// GOGC and GOMEMLIMIT still rule when set.
const defaultGCPercent = 400

func serve(ctx context.Context, f *serveFlags, e env) error {
	if _, set := e.getenv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
	cfg, err := f.load(e)
	if err != nil {
		return err
	}
	// Listen before validating the public URL: with port 0 the URL is
	// only known once the kernel picked the port.
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if port0(cfg.Server.Addr) && f.publicURL == "" {
		cfg.Server.PublicURL = "http://" + ln.Addr().String()
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(e.stderr, nil))
	ks, warnings, err := keys.Open(cfg.Server.DataDir, keys.Options{Now: e.now, LookupEnv: e.getenv, IssuerURL: cfg.Server.PublicURL})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		logger.Warn("keystore", "warning", w.String())
	}
	st, where, err := server.OpenStore(ctx, cfg.Server.DatabaseURL, cfg.Server.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	rec, err := server.NewRecord(ks, st, e.now)
	if err != nil {
		return err
	}
	status, err := server.NewStatus(cfg, ks, st, rec.Audit, e.now)
	if err != nil {
		return err
	}
	svc, err := server.NewIssuerWithStatus(cfg, ks, st, e.now, rec.SubjectClaims(), status)
	if err != nil {
		return err
	}
	ekycSvc, err := server.NewEKYC(cfg, ks, rec, svc, e.now)
	if err != nil {
		return err
	}
	var ek *portal.EKYC
	if ekycSvc != nil {
		ek = ekycSvc.Service
	}
	citizen, err := server.NewPortal(cfg, ks, st, rec, svc, ek, e.now)
	if err != nil {
		return err
	}
	hc := httpapi.Config{
		PublicURL: cfg.Server.PublicURL, Service: svc, Admin: ks.AdminToken(), Ready: st,
		Logger: logger, MaxBodyBytes: int(cfg.Limits.MaxBodyBytes), Now: e.now,
	}
	if citizen != nil {
		hc.Portal, hc.Sandbox, hc.ESignetSandbox = citizen.Service, citizen.Handler(), citizen.ESignetHandler()
		if citizen.Face != nil {
			hc.Face = citizen.Face
		}
	}
	if ekycSvc != nil {
		hc.EKYC, hc.EKYCSandbox, hc.MaxUploadBytes = ekycSvc.Service, ekycSvc.Handler(), cfg.EKYC.MaxZipBytes
	}
	if status != nil {
		hc.Status = server.NewLifecycle(cfg, status, rec.Claims)
	}
	app, err := httpapi.New(hc)
	if err != nil {
		return err
	}
	printBanner(e, cfg, ks, where)
	go sweep(ctx, st, e.now, logger)
	go server.NewOutboxWorker(cfg, ks, st, e.now, logger).Run(ctx)
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	if e.onListen != nil {
		e.onListen(cfg.Server.PublicURL)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.ShutdownWithContext(shutdown); err != nil && !errors.Is(err, context.Canceled) {
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		// Clients holding idle keep-alive connections past the grace
		// period: every request in flight has been answered; exiting
		// closes the rest.
		logger.Warn("shutdown: connections still open after the grace period are closed")
	}
	return nil
}

func port0(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// sweep deletes expired offers, nonces, replay entries and replies.
func sweep(ctx context.Context, st server.Store, now func() time.Time, logger *slog.Logger) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := st.DeleteExpired(ctx, now()); err != nil && ctx.Err() == nil {
				logger.Error("sweep", "error", err.Error())
			} else if n > 0 {
				logger.Info("sweep", "deleted", n)
			}
		}
	}
}

func printBanner(e env, cfg *config.Config, ks *keys.Keystore, where string) {
	dir := cfg.Server.DataDir
	tokenFile := filepath.Join(dir, keys.FileAdminToken)
	if ks.AdminToken().Source() == keys.SourceEnvironment {
		tokenFile = "$" + keys.AdminTokenEnv
	}
	fmt.Fprintf(e.stdout, `Pramaan issuer listening
  credential_issuer  %s
  metadata           %s/.well-known/openid-credential-issuer
  database           %s
  data directory     %s
  admin token        %s

Next:
  pramaan offer create --issuer %s --data-dir %s --tx-code
  pramaan wallet receive 'openid-credential-offer://...' --tx-code CODE --trust %s
  pramaan keys export --data-dir %s
`, cfg.Server.PublicURL, cfg.Server.PublicURL, where, dir, tokenFile,
		cfg.Server.PublicURL, dir, filepath.Join(dir, keys.FileIACACert), dir)
	switch cfg.DigiLocker.Mode {
	case config.DigiLockerSandbox:
		fmt.Fprintf(e.stdout, "  open %s/ to sign in with DigiLocker (SANDBOX: a simulator with test citizens, no real identity data)\n", cfg.Server.PublicURL)
	case config.DigiLockerLive:
		fmt.Fprintf(e.stdout, "  open %s/ to sign in with DigiLocker (%s)\n", cfg.Server.PublicURL, cfg.DigiLocker.BaseURL)
	}
	if cfg.DigiLocker.Mode != config.DigiLockerOff {
		switch cfg.ESignet.Mode {
		case config.ESignetSandbox:
			fmt.Fprintf(e.stdout, "  open %s/ to sign in with eSignet (SANDBOX: a simulator with test users, no real identity data)\n", cfg.Server.PublicURL)
		case config.ESignetLive:
			fmt.Fprintf(e.stdout, "  open %s/ to sign in with eSignet (%s)\n", cfg.Server.PublicURL, cfg.ESignet.Issuer)
		}
	}
	switch cfg.EKYC.Mode {
	case config.EKYCSandbox:
		fmt.Fprintf(e.stdout, "  curl -o offline.zip %s%s/offline.zip?share_code=1234   (SANDBOX offline e-KYC package, NOT UIDAI-signed)\n", cfg.Server.PublicURL, httpapi.EKYCSandboxPrefix)
		fmt.Fprintf(e.stdout, "  curl -F zip=@offline.zip -F share_code=1234 %s%s\n", cfg.Server.PublicURL, httpapi.PathEKYCOffline)
	case config.EKYCLive:
		fmt.Fprintf(e.stdout, "  POST %s%s (offline e-KYC, %d pinned certificates)\n", cfg.Server.PublicURL, httpapi.PathEKYCOffline, len(cfg.EKYC.Pinned))
	}
}
