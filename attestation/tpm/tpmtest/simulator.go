//go:build cgo

package tpmtest

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/google/go-attestation/attest"
	"github.com/google/go-tpm-tools/simulator"
)

// simChannel is the simulator as a go-attestation command channel. It has
// no measurement log, which enrollment and key certification do not read.
type simChannel struct{ *simulator.Simulator }

func (simChannel) MeasurementLog() ([]byte, error) { return nil, nil }

// OpenSimulator starts the Microsoft reference TPM 2.0 (go-tpm-tools'
// simulator, compiled with cgo) with a random seed, so each call has its
// own endorsement key, and opens it with go-attestation as a desktop
// wallet opens its TPM. One simulator runs at a time in a process: a
// second call blocks until the first TPM is closed. The simulator holds
// three loaded objects at a time.
func OpenSimulator() (*attest.TPM, error) {
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	sim, err := simulator.GetWithFixedSeedInsecure(int64(binary.BigEndian.Uint64(seed[:]) >> 1))
	if err != nil {
		return nil, fmt.Errorf("tpmtest: simulator: %w", err)
	}
	tp, err := attest.OpenTPM(&attest.OpenConfig{CommandChannel: simChannel{sim}})
	if err != nil {
		sim.Close()
		return nil, fmt.Errorf("tpmtest: open simulator: %w", err)
	}
	return tp, nil
}
