// Adapter types of the addon's constructor, from the binding contract both engines share.
import type { ModelTransportAdapter, StoreCallAdapter } from '../ts/src/runtime/binding.js';
