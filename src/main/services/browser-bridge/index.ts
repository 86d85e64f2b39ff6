export { BrowserBridgeService, type BrowserBridgeOptions, type BridgeDispatch, type BridgeStatusView, type OpenListener } from './browser-bridge.service';
export { BridgeServer, type BridgeTap, type PendingPairing } from './server';
export { encodeFrame, FrameReader, parseFrameBody } from './framing';
export { bridgeSocketPath, bridgeDir } from './paths';
