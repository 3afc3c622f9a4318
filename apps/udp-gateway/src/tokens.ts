export const UDP_CONFIG = Symbol('UDP_CONFIG');
export const UDP_LOGGER = Symbol('UDP_LOGGER');
