"""DataError: what the data readers raise for a bad file or bad data."""


class DataError(ValueError):
    """A data file or data set cannot be used; the message is one line naming the file.

    A ValueError, so callers that catch ValueError catch it too; the command line turns it into
    `badak train: error: <message>` with exit status 2.
    """
