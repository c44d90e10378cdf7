/* A JACK MIDI input whose process callback never runs Python.
 *
 * python-rtmidi can only hand input to Python by a callback that takes the GIL on JACK's
 * process thread, which cannot be closed safely (engine/midiport.py says why), or by
 * polling, which adds half the poll interval to every message's latency.  Here the process
 * callback copies each event, stamped with jack_get_time() as it is read, into a
 * lock-free jack_ringbuffer and writes one byte to a pipe; Python waits on the pipe's read
 * end with the GIL released and reads the records back (engine/jackmidi.py).
 *
 * A record is a struct record followed by `size` bytes of MIDI data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jack/jack.h>
#include <jack/midiport.h>
#include <jack/ringbuffer.h>

struct record {
    uint32_t size;
    uint32_t reserved;
    uint64_t usecs;
};

struct input {
    jack_client_t *client;
    jack_port_t *port;
    jack_ringbuffer_t *ring;
    int pipe[2];
    volatile uint32_t dropped;   /* events that found the ring full */
};

static void wake(struct input *in)
{
    char byte = 1;
    /* Non-blocking: a full pipe already means "wake up". */
    (void)!write(in->pipe[1], &byte, 1);
}

static int process(jack_nframes_t nframes, void *arg)
{
    struct input *in = arg;
    void *buffer = jack_port_get_buffer(in->port, nframes);
    uint32_t count = jack_midi_get_event_count(buffer);
    if (count == 0)
        return 0;
    struct record head = {0, 0, jack_get_time()};
    for (uint32_t i = 0; i < count; i++) {
        jack_midi_event_t event;
        if (jack_midi_event_get(&event, buffer, i) != 0)
            continue;
        head.size = (uint32_t)event.size;
        if (jack_ringbuffer_write_space(in->ring) < sizeof head + event.size) {
            in->dropped++;
            continue;
        }
        jack_ringbuffer_write(in->ring, (const char *)&head, sizeof head);
        jack_ringbuffer_write(in->ring, (const char *)event.buffer, event.size);
    }
    wake(in);
    return 0;
}

void jmi_close(struct input *in)
{
    if (in == NULL)
        return;
    if (in->client != NULL)
        jack_client_close(in->client);
    if (in->ring != NULL)
        jack_ringbuffer_free(in->ring);
    for (int i = 0; i < 2; i++)
        if (in->pipe[i] >= 0)
            close(in->pipe[i]);
    free(in);
}

/* A client `client_name` with an input port `port_name`, active; NULL when the server is
 * not reachable or the port cannot be registered.  `ring_bytes` bounds what waits unread. */
struct input *jmi_open(const char *client_name, const char *port_name, size_t ring_bytes)
{
    struct input *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->pipe[0] = in->pipe[1] = -1;
    if (pipe(in->pipe) != 0)
        goto fail;
    for (int i = 0; i < 2; i++) {
        fcntl(in->pipe[i], F_SETFL, O_NONBLOCK);
        fcntl(in->pipe[i], F_SETFD, FD_CLOEXEC);
    }
    in->ring = jack_ringbuffer_create(ring_bytes);
    in->client = jack_client_open(client_name, JackNoStartServer, NULL);
    if (in->ring == NULL || in->client == NULL)
        goto fail;
    in->port = jack_port_register(in->client, port_name, JACK_DEFAULT_MIDI_TYPE,
                                  JackPortIsInput, 0);
    if (in->port == NULL)
        goto fail;
    jack_set_process_callback(in->client, process, in);
    if (jack_activate(in->client) != 0)
        goto fail;
    return in;
fail:
    jmi_close(in);
    return NULL;
}

/* Connect the JACK output port `source` to this input: 0, or JACK's error code. */
int jmi_connect(struct input *in, const char *source)
{
    return jack_connect(in->client, source, jack_port_name(in->port));
}

int jmi_fd(const struct input *in) { return in->pipe[0]; }
uint32_t jmi_dropped(const struct input *in) { return in->dropped; }
uint64_t jmi_now(void) { return jack_get_time(); }

/* Copy whole records into `out` (at most `capacity` bytes) and empty the pipe: the bytes
 * copied.  A record larger than `capacity` is never returned whole: the caller passes at
 * least the ring's size. */
size_t jmi_read(struct input *in, char *out, size_t capacity)
{
    char drain[64];
    while (read(in->pipe[0], drain, sizeof drain) > 0)
        ;
    size_t done = 0;
    struct record head;
    while (jack_ringbuffer_peek(in->ring, (char *)&head, sizeof head) == sizeof head
           && done + sizeof head + head.size <= capacity
           && jack_ringbuffer_read_space(in->ring) >= sizeof head + head.size) {
        done += jack_ringbuffer_read(in->ring, out + done, sizeof head + head.size);
    }
    return done;
}
