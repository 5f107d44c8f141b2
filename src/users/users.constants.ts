/** Pattern of the message that registers a user (the `pattern` message attribute or body field). */
export const USER_REGISTERED_PATTERN = 'user.registered';
