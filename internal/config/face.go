package config

import "time"

// Face configures face enrollment gated by e-KYC (/enrollment/*,
// /face/match, /admin/face/*).
type Face struct {
	// Enabled turns the routes on (the default); false turns them off.
	Enabled bool `yaml:"enabled"`
	// LinkTTL is how long an e-KYC link may be used to enroll (1m to 1h).
	LinkTTL time.Duration `yaml:"link_ttl"`
	// Models are the embedding models accepted.
	Models []FaceModel `yaml:"models"`
}

// FaceModel is an embedding model and its thresholds (cosine similarity).
// No authoritative threshold exists for e-KYC photo against live capture:
// calibrate on your own genuine and impostor pairs (a FAR target such as
// 1e-4) before relying on a match.
type FaceModel struct {
	ID                 string  `yaml:"id"`
	Dimension          int     `yaml:"dimension"`
	MatchThreshold     float64 `yaml:"match_threshold"`
	DuplicateThreshold float64 `yaml:"duplicate_threshold"`
}

func defaultFace() Face {
	return Face{
		Enabled: true,
		LinkTTL: 15 * time.Minute,
		Models: []FaceModel{
			{ID: "mobilefacenet-128", Dimension: 128, MatchThreshold: 0.55, DuplicateThreshold: 0.8},
			{ID: "mobilefacenet-192", Dimension: 192, MatchThreshold: 0.55, DuplicateThreshold: 0.8},
			{ID: "w600k-mbf-512", Dimension: 512, MatchThreshold: 0.4, DuplicateThreshold: 0.7},
		},
	}
}

func (c *Config) validateFace(p *problems) {
	f := c.Face
	if !f.Enabled {
		return
	}
	if f.LinkTTL < time.Minute || f.LinkTTL > time.Hour {
		p.add("face.link_ttl", "must be 1m to 1h")
	}
	seen := map[string]bool{}
	for i, m := range f.Models {
		switch {
		case m.ID == "" || len(m.ID) > 64:
			p.add("face.models", "model %d: id must be 1 to 64 bytes", i)
		case seen[m.ID]:
			p.add("face.models", "%q appears twice", m.ID)
		case m.Dimension < 16 || m.Dimension > 2048:
			p.add("face.models", "%q: dimension must be 16 to 2048", m.ID)
		case !(m.MatchThreshold > -1 && m.MatchThreshold < 1) || !(m.DuplicateThreshold > -1 && m.DuplicateThreshold < 1):
			p.add("face.models", "%q: thresholds must be cosine similarities between -1 and 1", m.ID)
		}
		seen[m.ID] = true
	}
	if len(f.Models) == 0 {
		p.add("face.models", "at least one model is required when face enrollment is enabled")
	}
}
