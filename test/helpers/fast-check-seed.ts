import * as fc from 'fast-check';

// Every property test runs on one fixed seed, so CI replays the same cases on every run;
// PROPERTY_SEED=<n> explores (or replays) another. test/property-all.test.ts derives its seeds
// from the same variable.
fc.configureGlobal({ seed: process.env.PROPERTY_SEED === undefined ? 20261126 : Number(process.env.PROPERTY_SEED) });
