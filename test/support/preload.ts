// Test defaults: quiet logs unless a test asks for them.
process.env.LOG_LEVEL ??= 'silent'
