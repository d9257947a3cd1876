-- Offers whose claims are deleted once every offered configuration has
-- been issued (issue-and-forget: offline e-KYC data, issue 7).
ALTER TABLE offers ADD COLUMN forget_claims INTEGER NOT NULL DEFAULT 0;
