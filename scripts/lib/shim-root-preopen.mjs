// componentize-js runs its own build steps (wizer, the splicer) on
// preview2-shim, which since 0.26.1 no longer maps "/" by default. Build
// processes (never the tapedeck host) map it so those steps can read files.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
_setPreopens({ '/': '/' });
