#!/usr/bin/env node
// TODO(#2): electronegativity gate.
console.log('electronegativity gate: not yet wired');
