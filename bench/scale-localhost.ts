/**
 * Preloaded (`--import`) into each service process of section `scale`: `*.localhost` resolves to
 * loopback (RFC 6761 §6.3) for the services' own fetch, as the compose network's aliases do.
 */
import { installLocalhostResolver } from '@koppelmij/service-kit';

installLocalhostResolver();
