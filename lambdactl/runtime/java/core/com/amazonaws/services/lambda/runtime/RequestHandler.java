package com.amazonaws.services.lambda.runtime;

/** A handler whose event and result are serialized as JSON: I and O may be POJOs, Maps, Lists, Strings, numbers. */
public interface RequestHandler<I, O> {
    O handleRequest(I input, Context context);
}
