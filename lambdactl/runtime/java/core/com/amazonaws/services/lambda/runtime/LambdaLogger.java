package com.amazonaws.services.lambda.runtime;

/** Writes to the function's log (CloudWatch Logs on Lambda, the function's log here). */
public interface LambdaLogger {
    void log(String message);
    void log(byte[] message);
}
