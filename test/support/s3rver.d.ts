// s3rver ships no type declarations; test/support/s3-server.ts wraps the little of it the tests use.
declare module "s3rver";
